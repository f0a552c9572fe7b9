"""Display names took bidirectional controls and other invisible format characters: a name
with U+202E (RIGHT-TO-LEFT OVERRIDE) read backwards in the patient's care-team consent
request, its email and the lists, which can disguise who is asking. Every form that sets a
person's name (sign-up, the patient's settings, the Django admin's user page, a bulk
invitation's name column) now runs one check (accounts.names.validate_person_name) and says
which characters it found; ZWNJ and ZWJ, which several scripts need, stay allowed."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts import bulk_invitations
from ldn_journal.accounts.models import BulkInvitationRow, User
from ldn_journal.accounts.names import validate_person_name
from tests.accounts.invitations_support import link_in, sign_up
from tests.patients.journal_support import settings_data

pytestmark = pytest.mark.django_db

REVERSED = "Dr Sam \u202etsinilC"  # shows as "Dr Sam Clinician" read from the right
SAID = "A name cannot contain invisible formatting characters"
PERSIAN = "\u0645\u06cc\u200c\u0631\u0632\u0627"  # "Mi-rza" with a ZERO WIDTH NON-JOINER


@pytest.mark.parametrize(
    "character",
    [
        *[chr(code) for code in range(0x202A, 0x202F)],  # embeddings, overrides, PDF
        *[chr(code) for code in range(0x2066, 0x206A)],  # isolates
        "\u200e",  # LEFT-TO-RIGHT MARK
        "\u200f",  # RIGHT-TO-LEFT MARK
        "\u200b",  # ZERO WIDTH SPACE (Cf)
        "\u061c",  # ARABIC LETTER MARK (Cf)
        "\ufeff",  # ZERO WIDTH NO-BREAK SPACE (Cf)
        "\u2060",  # WORD JOINER (Cf)
        "\U000e0041",  # TAG LATIN CAPITAL LETTER A (Cf)
        "\x1b",  # ESCAPE (Cc)
        "\x85",  # NEXT LINE (Cc)
    ],
)
def test_a_name_with_an_invisible_format_or_control_character_is_refused_naming_it(character):
    with pytest.raises(ValidationError) as refused:
        validate_person_name(f"Sam{character}Taylor")
    assert refused.value.code == "hidden_characters"
    assert f"U+{ord(character):04X}" in refused.value.messages[0]


@pytest.mark.parametrize(
    "name", ["Sam Taylor", "José Müller-Ödegaard", "O'Brien", PERSIAN, "\u0915\u094d\u200d"]
)
def test_ordinary_names_and_the_joiners_some_scripts_need_are_accepted(name):
    validate_person_name(name)


def test_many_hidden_characters_are_named_a_few_at_a_time():
    name = "".join(chr(code) for code in range(0x202A, 0x202F)) + "\u2066\u2067\u2068"
    with pytest.raises(ValidationError) as refused:
        validate_person_name(name)
    assert "U+202A, U+202B, U+202C, U+202D, U+202E, U+2066, …" in refused.value.messages[0]


@pytest.fixture
def invited(clinician_client):
    response = clinician_client.post(
        reverse("clinic:invite"), {"email": "new.patient@example.org", "role": "patient"}
    )
    assert response.status_code == 302
    clinician_client.logout()
    return link_in(mail.outbox[-1])


def test_sign_up_refuses_a_name_with_a_direction_override_and_makes_no_account(client, invited):
    client.get(invited)

    response = sign_up(client, "new.patient@example.org", name=REVERSED)

    assert response.status_code == 200
    page = response.content.decode()
    assert SAID in page
    assert "U+202E" in page
    assert not User.objects.filter(email="new.patient@example.org").exists()


def test_sign_up_accepts_a_name_with_a_zero_width_non_joiner(client, invited):
    client.get(invited)

    response = sign_up(client, "new.patient@example.org", name=PERSIAN)

    assert response.status_code == 302
    assert User.objects.get(email="new.patient@example.org").display_name == PERSIAN


def test_the_patients_settings_refuse_a_name_with_an_isolate_and_keep_the_old_one(
    patient_client, patient_a
):
    before = patient_a.user.display_name

    response = patient_client.post(
        reverse("journal:settings"), settings_data(display_name="Pat \u2067Smith\u2069")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert SAID in page
    assert "U+2067, U+2069" in page
    patient_a.user.refresh_from_db()
    assert patient_a.user.display_name == before


def test_the_django_admin_refuses_a_name_with_a_direction_override(admin_client_, clinician_a):
    user = clinician_a
    before = user.display_name

    response = admin_client_.post(
        f"/admin/accounts/user/{user.pk}/change/",
        {
            "email": user.email,
            "display_name": REVERSED,
            "role": user.role,
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
        },
    )

    assert response.status_code == 200
    assert SAID in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == before


def test_a_bulk_invitation_row_with_a_direction_override_in_its_name_is_an_error(
    admin_user, clinician_a
):
    line = f"a@example.org,patient,{REVERSED},{clinician_a.email},,"
    data = f"email,role,name,clinician,country,language\n{line}\n".encode()

    batch = bulk_invitations.build_batch(admin_user, data)

    stored = batch.rows.get()
    assert stored.verdict == BulkInvitationRow.Verdict.ERROR
    assert (stored.problem, stored.problem_detail) == ("name_hidden", "U+202E")
    said = str(bulk_invitations.problem_message(stored.problem, stored.problem_detail))
    assert said == (
        "The name contains invisible formatting characters such as text-direction controls "
        "(U+202E), which change how it is shown to others. Remove them."
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("es", "Un nombre no puede contener caracteres de formato invisibles"),
        ("de", "Ein Name darf keine unsichtbaren Formatierungszeichen"),
    ],
)
def test_the_refusal_reads_in_spanish_and_german(language, said):
    with translation.override(language):
        with pytest.raises(ValidationError) as refused:
            validate_person_name(REVERSED)
        message = refused.value.messages[0]  # lazy: read in the language
    assert said in message
    assert "U+202E" in message
