"""The German and Spanish catalogues say one thing one way (found by exploratory QA):

- German called quiet hours "Ruhezeit" in the evening messages and "Ruhezeiten" (the
  settings page's own label) in the morning ones, on one page;
- German wrote "die Nacht von Freitag, 20. November" beside the app's "Nacht vom …";
- the trend chart's headings are a range of dates ("vom … bis …", "del … al …"), its series'
  "from … to …" a range of values ("von 5 bis 3", "de 5 a 3");
- the dose levels' small-sample caution said "nur 3 Nächte mit 1,5 mg: mit Vorsicht lesen";
- msgids no code uses any more were kept in both catalogues.
"""

import re
from pathlib import Path

import pytest

from tests.patients.catalogue_support import catalogue, translations

ROOT = Path(__file__).resolve().parents[2]
GERMAN = catalogue("de")
SPANISH = catalogue("es")


def test_german_quiet_hours_are_ruhezeiten_in_every_message():
    said = [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in translations(GERMAN)
        if "quiet hours" in msgid.lower() and re.search(r"Ruhezeit\b", msgstr)
    ]
    assert not said, "Quiet hours are “Ruhezeiten”, as the settings page heads them:\n" + (
        "\n".join(said)
    )


def test_german_the_night_of_a_date_is_nacht_vom():
    said = [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in translations(GERMAN)
        if re.search(r"night of %\(\w+\)s", msgid) and re.search(r"Nacht von %\(", msgstr)
    ]
    assert not said, "“Nacht vom <Datum>”:\n" + "\n".join(said)


@pytest.mark.parametrize(("po", "word"), [(GERMAN, "vom"), (SPANISH, "del")])
def test_a_range_of_nights_from_first_to_last_reads_as_the_charts_heading(po, word):
    ranges = [
        (msgid, msgstr)
        for msgid, msgstr in translations(po)
        if re.search(r"\bfrom %\(start\)s to %\(end\)s", msgid)
        and msgid.startswith(("Nightly values", "Daily values"))
    ]
    assert len(ranges) >= 2  # the chart's headings, nights and days
    said = [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in ranges
        if not re.search(rf"\b{word} %\(start\)s", msgstr)
    ]
    assert not said, f"A range of nights is “{word} …”:\n" + "\n".join(said)


@pytest.mark.parametrize(("po", "word"), [(GERMAN, "von"), (SPANISH, "de")])
def test_a_series_range_of_values_is_not_worded_as_a_range_of_dates(po, word):
    """A series' "from %(first)s to %(last)s" is its first and last value ("Pain: 7 nights,
    from 5 to 3"), not dates: German "von 5 bis 3", Spanish "de 5 a 3" ("vom"/"del" are for
    a date; a catalogue pass made them "vom 5 bis 3", caught by the one-night chart test)."""
    ranges = [
        (msgid, msgstr)
        for msgid, msgstr in translations(po)
        if msgid.startswith("%(series)s") and "from %(first)s to %(last)s" in msgid
    ]
    assert len(ranges) >= 4  # nights and days, each plural form
    said = [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in ranges
        if not re.search(rf"\b{word} %\(first\)s", msgstr)
    ]
    assert not said, f"A range of values is “{word} …”:\n" + "\n".join(said)


CAUTIONS = {
    "only %(count)s night at %(level)s: read with care": ("Nacht", "Nächte", "noche", "noches"),
    "only %(count)s day at %(level)s: read with care": ("Tag", "Tage", "día", "días"),
    "only %(count)s night before LDN: read with care": ("Nacht", "Nächte", "noche", "noches"),
    "only %(count)s day before LDN: read with care": ("Tag", "Tage", "día", "días"),
}


@pytest.mark.parametrize("msgid", CAUTIONS)
def test_the_dose_levels_small_sample_cautions_are_translated_in_both_plural_forms(msgid):
    one_de, many_de, one_es, many_es = CAUTIONS[msgid]
    german = [msgstr for key, msgstr in translations(GERMAN) if key == msgid]
    spanish = [msgstr for key, msgstr in translations(SPANISH) if key == msgid]
    assert len(german) == len(spanish) == 2, (german, spanish)
    assert german[0].startswith(f"nur %(count)s {one_de} ")
    assert german[1].startswith(f"nur %(count)s {many_de} ")
    assert all(text.endswith(": mit Vorsicht lesen") for text in german)
    # "bei 1,5 mg" (at a dose): "mit 1,5 mg: mit Vorsicht lesen" said "mit" twice.
    if "%(level)s" in msgid:
        assert all(" bei %(level)s:" in text for text in german), german
    assert spanish[0].startswith(f"solo %(count)s {one_es} ")
    assert spanish[1].startswith(f"solo %(count)s {many_es} ")


def _code():
    """The project's modules, templates and text templates (not the tests, nor .venv)."""
    for top in ROOT.iterdir():
        if top.name.startswith(".") or top.name in {"tests", "var", "node_modules", "bench"}:
            continue
        paths = [top] if top.is_file() else top.rglob("*")
        yield from (path for path in paths if path.suffix in {".py", ".html", ".txt", ".js"})


RETIRED = (
    "Steps (version %(number)s)",
    "Hold from %(start)s, open-ended.",
    "from the restart",
    "Your plan starts on %(night)s with %(dose)s mg.",
)


@pytest.mark.parametrize("msgid", RETIRED)
def test_a_msgid_no_code_uses_is_in_no_catalogue(msgid):
    # No template or module says it (a template writes {{ name }} where the msgid has
    # %(name)s), so neither catalogue keeps a translation of it.
    source = re.sub(r"%\((\w+)\)s", r"{{ \1 }}", msgid)
    users = [
        str(path.relative_to(ROOT))
        for path in _code()
        if msgid in (text := path.read_text(encoding="utf-8", errors="replace")) or source in text
    ]
    assert users == []
    for po in (GERMAN, SPANISH):
        assert msgid not in {key for key, _ in translations(po)}, po


def test_german_never_says_sie_kann_sie():
    """ "…: Sie kann Sie nicht erreichen" reads as "you cannot reach you" (the reminder is
    meant; found by QA): the reminder is named."""
    said = [msgstr for _msgid, msgstr in translations(GERMAN) if "Sie kann Sie" in msgstr]
    assert not said, "\n".join(said)
