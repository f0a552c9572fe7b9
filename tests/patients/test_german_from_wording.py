"""German says "From <date>" two ways, by meaning: "ab" for from a night onward (a plan
version, a hold, a switch of dosing time), "vom/von ... bis ..." for a range. The visit
report's plan table headed its column of nights each version takes effect from "Von", and
one "Nothing to sign" message gave a range as "ab dem ... bis ..." (found in review)."""

import re

from django.utils import translation
from django.utils.translation import gettext, pgettext

from tests.patients.catalogue_support import catalogue, translations

GERMAN = catalogue("de")
# The visit report's plan table: the column of nights each version takes effect from.
PLAN_VERSION_TAKES_EFFECT = "plan version takes effect"
# "from %(x)s to ...": a range.
RANGE = re.compile(r"\bfrom (?:the night of )?%\((\w+)\)s to ", re.IGNORECASE)
# "from %(night)s" and the like with no "to" after it: from that night on. Only placeholders
# that are a night or a day ("from %(name)s's care team" is a person's).
ONWARD = re.compile(
    r"\bfrom (?:the night (?:\(or morning\) )?of )?%\(((?:night|start|first|day|when))\)s(?! to )",
    re.IGNORECASE,
)
# msgid -> why its German need not say "ab" for an English "from <night>". Add an entry only
# with its reason.
NEED_NOT_SAY_AB: dict[str, str] = {
    "Tonight’s dose is already logged and stands: a hold made now starts from the night of "
    "%(night)s.": "“beginnt in der Nacht vom”: the verb says where it starts",
    "Last night’s dose is already logged and stands: a hold made now starts from the night "
    "of %(night)s.": "“beginnt in der Nacht vom”: the verb says where it starts",
    "This card is from %(night)s, as last seen on this phone, and its dosing window is over. "
    "Connect to the internet to log your dose.": "“vom”: the card's own night (its date), "
    "not a night onward",
}


def test_a_german_range_says_vom_or_von_never_ab():
    said = [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in translations(GERMAN)
        for name in RANGE.findall(msgid)
        if not re.search(rf"\bvo[mn] %\({name}\)s", msgstr, re.IGNORECASE)
    ]
    assert not said, "A range is “vom … bis …”:\n" + "\n".join(said)


def test_german_from_a_night_onward_says_ab():
    said = [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in translations(GERMAN)
        for name in ONWARD.findall(msgid)
        if msgid not in NEED_NOT_SAY_AB
        and not re.search(
            rf"\bab (?:dem |der Nacht vom |heute Abend \()?%\({name}\)s", msgstr, re.I
        )
    ]
    assert not said, "From a night onward is “ab”:\n" + "\n".join(said)


def test_the_plan_tables_from_column_is_ab_and_the_date_ranges_from_field_von():
    """One English word, two meanings: the report's column of nights each plan version takes
    effect from (onward), and the first field of a date range (with "To": "Bis")."""
    with translation.override("de"):
        assert pgettext(PLAN_VERSION_TAKES_EFFECT, "From") == "Ab"
        assert (gettext("From"), pgettext("date range", "To")) == ("Von", "Bis")


def test_the_scans_find_what_they_look_for():
    assert RANGE.findall("on hold on these nights, from %(night)s to the same last night") == [
        "night"
    ]
    assert ONWARD.findall("Hold from %(start)s.") == ["start"]
    assert not ONWARD.findall("from %(start)s to %(end)s")
    assert not ONWARD.findall("moved these patients from %(name)s's care team")
