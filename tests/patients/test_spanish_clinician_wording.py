"""The Spanish catalogue calls a clinician "profesional sanitario" (gender-neutral: "su
profesional sanitario"), never "médico"/"médica"/"doctor": 35 msgstrs still said "su
médico" and the like."""

import re

from tests.patients.catalogue_support import catalogue, doctor_words

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
