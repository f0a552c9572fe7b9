"""The German catalogue calls a clinician "behandelnde Person" (gender-neutral), never
"Ärztin"/"Arzt": 54 msgstrs still said "Ihre Ärztin oder Ihr Arzt" and the like."""

import re

from tests.patients.catalogue_support import catalogue, doctor_words, translations

GERMAN = catalogue("de")
# Arzt, Ärztin, Ärzte, Ärztinnen, ärztlich, in any case.
DOCTOR = re.compile(r"[aä]rzt", re.IGNORECASE)
# msgid -> why its German may say Arzt/Ärztin. Empty: no use found that is not the
# patient's clinician (even "another doctor" to share the journal with is one who treats
# them). Add an entry only with its reason.
ALLOWED: dict[str, str] = {}


def test_the_scan_reads_continued_lines_and_plural_forms(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\n'
        'msgid "One"\nmsgstr ""\n"Ihre "\n"Ärztin"\n\n'
        'msgid "%(n)s patient"\nmsgid_plural "%(n)s patients"\n'
        'msgstr[0] "eins"\nmsgstr[1] "ohne Arzt"\n',
        encoding="utf-8",
    )
    assert translations(po) == [
        ("One", "Ihre Ärztin"),
        ("%(n)s patient", "eins"),
        ("%(n)s patient", "ohne Arzt"),
    ]


def test_no_german_translation_calls_the_clinician_arzt_or_aerztin():
    said = doctor_words(GERMAN, DOCTOR, ALLOWED)
    assert not said, "Use “behandelnde Person”:\n" + "\n".join(said)


def test_the_note_to_the_patient_has_one_german_name():
    """The urgent answer's field said "Notiz an die Patientin oder den Patienten", the
    plan's "Notiz an die Person", for the same note (found by QA)."""
    names = {
        msgstr.rstrip(":")
        for msgid, msgstr in translations(GERMAN)
        if msgid in ("Note to patient", "Note to patient:", "Note to the patient")
    }
    assert names == {"Notiz an die Person"}


# The patient as the one who reads, sees or is asked ("die Person" in the nominative, dative
# or accusative); a genitive or plural ("einer Patientin oder eines Patienten", "Patientinnen
# und Patienten") stays where "Person" would read as the clinician.
PATIENT_PAIR = re.compile(
    r"Patientin oder (der Patient\b|dem Patienten\b|den Patienten\b)", re.IGNORECASE
)


def test_the_patient_is_die_person_not_die_patientin_oder_der_patient():
    """The urgent answer's form said "Die Patientin oder der Patient sieht dies …" above
    "Schreiben Sie eine kurze Notiz für die Person", one page, two names for the same
    patient (found in review); the catalogue says "die Person" everywhere else."""
    pairs = translations(GERMAN)
    said = [f"{msgid!r}: {msgstr}" for msgid, msgstr in pairs if PATIENT_PAIR.search(msgstr)]
    assert not said, "Use “die Person”:\n" + "\n".join(said)
    seen = dict(pairs)["The patient sees this with “Your clinician has seen this”."]
    assert seen.startswith("Die Person sieht dies")


def test_german_messages_sign_with_the_buttons_verb_signieren():
    """The buttons say "Signieren und …", the messages said "unterschreiben Sie erneut"
    (found by QA): one verb for one act."""
    said = [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in translations(GERMAN)
        if re.search(r"unterschr", msgstr, re.IGNORECASE)
    ]
    assert not said, "Use “signieren”:\n" + "\n".join(said)
