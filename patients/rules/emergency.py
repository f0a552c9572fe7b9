"""Which emergency number a patient is shown: by their country, else by their time zone.

Pure: the number table and the default are arguments (the table is a setting).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping

# Zones whose country is not in their name. Zones of the European Union share 112.
ZONE_COUNTRIES = {
    "Europe/London": "GB",
    "Europe/Belfast": "GB",
    "Europe/Dublin": "IE",
    "America/New_York": "US",
    "America/Chicago": "US",
    "America/Denver": "US",
    "America/Phoenix": "US",
    "America/Los_Angeles": "US",
    "America/Anchorage": "US",
    "America/Detroit": "US",
    "Pacific/Honolulu": "US",
    "America/Toronto": "CA",
    "America/Vancouver": "CA",
    "America/Edmonton": "CA",
    "America/Winnipeg": "CA",
    "America/Halifax": "CA",
    "America/St_Johns": "CA",
    "Australia/Sydney": "AU",
    "Australia/Melbourne": "AU",
    "Australia/Brisbane": "AU",
    "Australia/Perth": "AU",
    "Australia/Adelaide": "AU",
    "Australia/Hobart": "AU",
    "Australia/Darwin": "AU",
    "Pacific/Auckland": "NZ",
    "Asia/Kolkata": "IN",
    # The rest of these countries' zones (zone.tab) and their older names (tzdata's links).
    "Australia/Lord_Howe": "AU",
    "Antarctica/Macquarie": "AU",
    "Australia/Broken_Hill": "AU",
    "Australia/Lindeman": "AU",
    "Australia/Eucla": "AU",
    "America/Glace_Bay": "CA",
    "America/Moncton": "CA",
    "America/Goose_Bay": "CA",
    "America/Blanc-Sablon": "CA",
    "America/Iqaluit": "CA",
    "America/Atikokan": "CA",
    "America/Resolute": "CA",
    "America/Rankin_Inlet": "CA",
    "America/Regina": "CA",
    "America/Swift_Current": "CA",
    "America/Cambridge_Bay": "CA",
    "America/Inuvik": "CA",
    "America/Creston": "CA",
    "America/Dawson_Creek": "CA",
    "America/Fort_Nelson": "CA",
    "America/Whitehorse": "CA",
    "America/Dawson": "CA",
    "Pacific/Chatham": "NZ",
    "America/Kentucky/Louisville": "US",
    "America/Kentucky/Monticello": "US",
    "America/Indiana/Indianapolis": "US",
    "America/Indiana/Vincennes": "US",
    "America/Indiana/Winamac": "US",
    "America/Indiana/Marengo": "US",
    "America/Indiana/Petersburg": "US",
    "America/Indiana/Vevay": "US",
    "America/Indiana/Tell_City": "US",
    "America/Indiana/Knox": "US",
    "America/Menominee": "US",
    "America/North_Dakota/Center": "US",
    "America/North_Dakota/New_Salem": "US",
    "America/North_Dakota/Beulah": "US",
    "America/Boise": "US",
    "America/Juneau": "US",
    "America/Sitka": "US",
    "America/Metlakatla": "US",
    "America/Yakutat": "US",
    "America/Nome": "US",
    "America/Adak": "US",
    "Africa/Johannesburg": "ZA",
    "Australia/ACT": "AU",  # Australia/Sydney
    "Australia/LHI": "AU",  # Australia/Lord_Howe
    "Australia/NSW": "AU",  # Australia/Sydney
    "Australia/North": "AU",  # Australia/Darwin
    "Australia/Queensland": "AU",  # Australia/Brisbane
    "Australia/South": "AU",  # Australia/Adelaide
    "Australia/Tasmania": "AU",  # Australia/Hobart
    "Australia/Victoria": "AU",  # Australia/Melbourne
    "Australia/West": "AU",  # Australia/Perth
    "Australia/Yancowinna": "AU",  # Australia/Broken_Hill
    "Canada/Atlantic": "CA",  # America/Halifax
    "Canada/Central": "CA",  # America/Winnipeg
    "Canada/Eastern": "CA",  # America/Toronto
    "Canada/Mountain": "CA",  # America/Edmonton
    "Canada/Newfoundland": "CA",  # America/St_Johns
    "Canada/Pacific": "CA",  # America/Vancouver
    "Canada/Saskatchewan": "CA",  # America/Regina
    "Canada/Yukon": "CA",  # America/Whitehorse
    "Eire": "IE",  # Europe/Dublin
    "GB": "GB",  # Europe/London
    "NZ": "NZ",  # Pacific/Auckland
    "GB-Eire": "GB",  # Europe/London
    "NZ-CHAT": "NZ",  # Pacific/Chatham
    "Navajo": "US",  # America/Denver
    "US/Alaska": "US",  # America/Anchorage
    "US/Aleutian": "US",  # America/Adak
    "US/Arizona": "US",  # America/Phoenix
    "US/Central": "US",  # America/Chicago
    "US/East-Indiana": "US",  # America/Indiana/Indianapolis
    "US/Eastern": "US",  # America/New_York
    "US/Hawaii": "US",  # Pacific/Honolulu
    "US/Indiana-Starke": "US",  # America/Indiana/Knox
    "US/Michigan": "US",  # America/Detroit
    "US/Mountain": "US",  # America/Denver
    "US/Pacific": "US",  # America/Los_Angeles
    "America/Indianapolis": "US",  # America/Indiana/Indianapolis
    "America/Knox_IN": "US",  # America/Indiana/Knox
    "America/Louisville": "US",  # America/Kentucky/Louisville
    "America/Atka": "US",  # America/Adak
    "America/Fort_Wayne": "US",  # America/Indiana/Indianapolis
    "America/Montreal": "CA",  # America/Toronto
    "America/Nipigon": "CA",  # America/Toronto
    "America/Pangnirtung": "CA",  # America/Iqaluit
    "America/Rainy_River": "CA",  # America/Winnipeg
    "America/Shiprock": "US",  # America/Denver
    "America/Thunder_Bay": "CA",  # America/Toronto
    "America/Yellowknife": "CA",  # America/Edmonton
    "Australia/Canberra": "AU",  # Australia/Sydney
    "Australia/Currie": "AU",  # Australia/Hobart
    "Asia/Calcutta": "IN",  # Asia/Kolkata
}
EU_ZONES = {
    "Europe/Amsterdam": "NL",
    "Europe/Athens": "GR",
    "Europe/Berlin": "DE",
    "Europe/Bratislava": "SK",
    "Europe/Brussels": "BE",
    "Europe/Bucharest": "RO",
    "Europe/Budapest": "HU",
    "Europe/Copenhagen": "DK",
    "Europe/Helsinki": "FI",
    "Europe/Lisbon": "PT",
    "Atlantic/Azores": "PT",
    "Atlantic/Madeira": "PT",
    "Europe/Ljubljana": "SI",
    "Europe/Luxembourg": "LU",
    "Europe/Madrid": "ES",
    "Atlantic/Canary": "ES",
    "Africa/Ceuta": "ES",
    "Europe/Malta": "MT",
    "Europe/Paris": "FR",
    "Europe/Prague": "CZ",
    "Europe/Riga": "LV",
    "Europe/Rome": "IT",
    "Europe/Sofia": "BG",
    "Europe/Stockholm": "SE",
    "Europe/Tallinn": "EE",
    "Europe/Vienna": "AT",
    "Europe/Vilnius": "LT",
    "Europe/Warsaw": "PL",
    "Europe/Zagreb": "HR",
    "Asia/Nicosia": "CY",
    "Europe/Nicosia": "CY",
    "Asia/Famagusta": "CY",
    "Europe/Busingen": "DE",
}
EU_NUMBER = "112"


def gettext_noop(text: str) -> str:
    """Marks a name for the translation catalog (makemessages finds this name) while the
    module stays free of Django."""
    return text


# The English names, marked for the catalog; pages name them in their language (see
# country_choices).
COUNTRY_NAMES = {
    "AT": gettext_noop("Austria"),
    "AU": gettext_noop("Australia"),
    "BE": gettext_noop("Belgium"),
    "BG": gettext_noop("Bulgaria"),
    "CA": gettext_noop("Canada"),
    "CY": gettext_noop("Cyprus"),
    "CZ": gettext_noop("Czechia"),
    "DE": gettext_noop("Germany"),
    "DK": gettext_noop("Denmark"),
    "EE": gettext_noop("Estonia"),
    "ES": gettext_noop("Spain"),
    "FI": gettext_noop("Finland"),
    "FR": gettext_noop("France"),
    "GB": gettext_noop("United Kingdom"),
    "GR": gettext_noop("Greece"),
    "HR": gettext_noop("Croatia"),
    "HU": gettext_noop("Hungary"),
    "IE": gettext_noop("Ireland"),
    "IN": gettext_noop("India"),
    "IT": gettext_noop("Italy"),
    "LT": gettext_noop("Lithuania"),
    "LU": gettext_noop("Luxembourg"),
    "LV": gettext_noop("Latvia"),
    "MT": gettext_noop("Malta"),
    "NL": gettext_noop("Netherlands"),
    "NZ": gettext_noop("New Zealand"),
    "PL": gettext_noop("Poland"),
    "PT": gettext_noop("Portugal"),
    "RO": gettext_noop("Romania"),
    "SE": gettext_noop("Sweden"),
    "SI": gettext_noop("Slovenia"),
    "SK": gettext_noop("Slovakia"),
    "US": gettext_noop("United States"),
    "ZA": gettext_noop("South Africa"),
}


def collation_key(name: str) -> str:
    """A name as a reader looks it up in a list: accents and case set aside ("Österreich"
    among the O's, "Éire" among the E's), close enough to each language's own order for a
    list of country names."""
    letters = unicodedata.normalize("NFKD", name)
    return "".join(c for c in letters if not unicodedata.combining(c)).casefold()


def country_choices(
    numbers: Mapping[str, str], name: Callable[[str], str] = lambda english: english
) -> list[tuple[str, str]]:
    """(code, name) for every country with a known number, sorted by name. `name` turns an
    English name into the reader's (gettext on a page); a code the table adds without a
    name shows as itself."""
    codes = set(COUNTRY_NAMES) | set(numbers)
    named = [(code, name(COUNTRY_NAMES[code]) if code in COUNTRY_NAMES else code) for code in codes]
    return sorted(named, key=lambda choice: (collation_key(choice[1]), choice[1]))


def country_for_zone(zone: str) -> str:
    """The ISO country of a time zone name, or "" when it is not one we know."""
    return ZONE_COUNTRIES.get(zone) or EU_ZONES.get(zone, "")


def zone_for_country(country: str) -> str:
    """A likely zone for a patient of ``country`` (its first zone in the tables above: the
    capital's, or the most populous, for a country of several), or "" for one they lack. A
    guess for a form to offer, which the patient can change."""
    code = (country or "").strip().upper()
    for table in (ZONE_COUNTRIES, EU_ZONES):
        for zone, found in table.items():
            if found == code:
                return zone
    return ""


def patient_country(country: str, zone: str) -> str:
    """The patient's own country when set, else the one their time zone lies in."""
    return (country or "").strip().upper() or country_for_zone(zone)


def emergency_number(country: str, zone: str, numbers: Mapping[str, str], default: str) -> str:
    """The number to call: the table's entry for the patient's country, 112 anywhere in the
    EU, else the general default."""
    code = patient_country(country, zone)
    if code in numbers:
        return numbers[code]
    if code in EU_ZONES.values():
        return EU_NUMBER
    return default
