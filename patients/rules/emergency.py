"""Which emergency number a patient is shown: by their country, else by their time zone.

Pure: the number table and the default are arguments (the table is a setting).
"""

from __future__ import annotations

from collections.abc import Mapping

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
COUNTRY_NAMES = {
    "AT": "Austria", "AU": "Australia", "BE": "Belgium", "BG": "Bulgaria", "CA": "Canada",
    "CY": "Cyprus", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EE": "Estonia",
    "ES": "Spain", "FI": "Finland", "FR": "France", "GB": "United Kingdom", "GR": "Greece",
    "HR": "Croatia", "HU": "Hungary", "IE": "Ireland", "IN": "India", "IT": "Italy",
    "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "MT": "Malta", "NL": "Netherlands",
    "NZ": "New Zealand", "PL": "Poland", "PT": "Portugal", "RO": "Romania", "SE": "Sweden",
    "SI": "Slovenia", "SK": "Slovakia", "US": "United States", "ZA": "South Africa",
}  # fmt: skip


def country_choices(numbers: Mapping[str, str]) -> list[tuple[str, str]]:
    """(code, name) for every country with a known number, by name."""
    codes = set(COUNTRY_NAMES) | set(numbers)
    return sorted(((code, COUNTRY_NAMES.get(code, code)) for code in codes), key=lambda c: c[1])


def country_for_zone(zone: str) -> str:
    """The ISO country of a time zone name, or "" when it is not one we know."""
    return ZONE_COUNTRIES.get(zone) or EU_ZONES.get(zone, "")


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
