"""The Spanish catalogue calls a clinician "profesional sanitario" (gender-neutral: "su
profesional sanitario"), never "médico"/"médica"/"doctor": 35 msgstrs still said "su
médico" and the like. The staff pages said it three ways: "profesional clínico", "clínico"
(the covering clinician's pages) and a bare "profesional" (and the patient's access log)."""

import re

from tests.patients.catalogue_support import catalogue, doctor_words, translations

SPANISH = catalogue("es")
# médico, médica, médicos, médicas, and the adjective (documentación médica), doctor,
# doctora, in any case.
DOCTOR = re.compile(r"médic|doctor", re.IGNORECASE)
# msgid -> why its Spanish may say médico/doctor. Empty: no use found that is not the
# patient's clinician ("another doctor" to share the journal with is one who treats them;
# "medical records" are "documentación clínica", the legal term). Add an entry only with
# its reason.
ALLOWED: dict[str, str] = {}


def test_no_spanish_translation_calls_the_clinician_medico_or_doctor():
    said = doctor_words(SPANISH, DOCTOR, ALLOWED)
    assert not said, "Use “profesional sanitario”:\n" + "\n".join(said)


def test_the_scan_finds_the_doctor_in_any_case():
    assert all(DOCTOR.search(s) for s in ("Su médico", "MÉDICA", "la doctora", "Doctor"))
    assert not DOCTOR.search("Sin medicación")


# "clínico", "clínicos" (a clinician; "la clínica" is the clinic and "historia clínica" the
# record, both feminine), and "profesional(es)" not followed by "sanitario(s)".
OTHER_NAMES = re.compile(r"\bcl[ií]nicos?\b|\bprofesional(es)?\b(?! sanitari)", re.IGNORECASE)
NAMES_THE_CLINICIAN = re.compile(r"profesional(es)? sanitari[oa]s?", re.IGNORECASE)
# msgid -> why its Spanish need not say "profesional sanitario" although the English names a
# clinician. Add an entry only with its reason.
NEED_NOT_NAME: dict[str, str] = {
    "Columns: email, role, name, clinician, country, language, saved as CSV UTF-8. Nothing "
    "is sent until you confirm the preview.": "the CSV's column names, written as they are",
    "The role must be patient, clinician or admin.": "the CSV's role values, written as they are",
    "admin navigation\x04Covering clinicians": "the admin's section name, “Coberturas” (as "
    "the page's “Volver a las coberturas”): the eight sections keep to one row at 1280 px",
}


def _names_a_clinician(msgid: str) -> bool:
    # Not a placeholder (%(clinician)s is the person's name).
    return re.search(r"\bclinicians?\b", re.sub(r"%\(\w+\)s", "", msgid), re.IGNORECASE) is not None


def test_no_spanish_translation_calls_the_clinician_clinico_or_a_bare_profesional():
    said = [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in translations(SPANISH)
        if OTHER_NAMES.search(msgstr)
    ]
    assert not said, "Use “profesional sanitario”:\n" + "\n".join(said)


def test_every_spanish_translation_naming_a_clinician_says_profesional_sanitario():
    """Staff strings included ("Covering clinician", "Transfer patients between clinicians",
    "Clinician digest")."""
    said = [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in translations(SPANISH)
        if _names_a_clinician(msgid)
        and not NAMES_THE_CLINICIAN.search(msgstr)
        and msgid not in NEED_NOT_NAME
    ]
    assert not said, "Name the clinician “profesional sanitario”:\n" + "\n".join(said)


def test_the_other_names_scan_leaves_the_clinic_and_the_record_alone():
    assert all(
        OTHER_NAMES.search(s)
        for s in ("Clínico ausente", "los clínicos", "otro profesional", "Profesionales clínicos")
    )
    assert not any(
        OTHER_NAMES.search(s)
        for s in (
            "la clínica",
            "historia clínica",
            "su profesional sanitario",
            "Profesionales sanitarios",
        )
    )
