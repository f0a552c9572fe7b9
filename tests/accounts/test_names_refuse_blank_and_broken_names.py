"""Exploratory QA: names that show as nothing, break the line or spill over it were accepted at
sign-up and in settings (two HANGUL FILLERs made a blank, barely clickable row in the
clinician's list; "Sam\u2028Taylor" broke the row in two). The one name check
(accounts.names.validate_person_name) now also refuses line and paragraph separators, the
letters that draw nothing, a name with no visible character, and a letter carrying a stack of
combining marks, and says what a name may hold; every form that runs it is checked here.
Then private-use, unassigned and surrogate code points, which are no letter of any script."""

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

ZALGO = "Sa\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307m"

# (name, the refusal's code, what the message says)
REFUSED = [
    pytest.param("\u3164\u3164", "blank_characters", "U+3164", id="two-hangul-fillers"),
    pytest.param("\u3164\u3164\u3164", "blank_characters", "U+3164", id="three-hangul-fillers"),
    pytest.param("\u2800", "blank_characters", "U+2800", id="braille-blank"),
    pytest.param("Sam\u115fTaylor", "blank_characters", "U+115F", id="choseong-filler"),
    pytest.param("Sam\u1160Taylor", "blank_characters", "U+1160", id="jungseong-filler"),
    pytest.param("Sam\uffa0Taylor", "blank_characters", "U+FFA0", id="halfwidth-filler"),
    pytest.param("Sam\u2028Taylor", "line_breaks", "U+2028", id="line-separator"),
    pytest.param("Ana\u2029Ruiz", "line_breaks", "U+2029", id="paragraph-separator"),
    pytest.param("\u0301\u0302", "nothing_visible", "visible letter", id="only-marks"),
    pytest.param(" \u0301 \u200d ", "nothing_visible", "visible letter", id="spaces-marks-joiner"),
    pytest.param(ZALGO, "too_many_marks", "more than 3 accents", id="stack-of-marks"),
    pytest.param("Saq\u0301\u0302\u0303\u0304", "too_many_marks", "more than 3", id="four-marks"),
    # No letter of any script: private use (each font draws its own, or an empty box),
    # unassigned code points and the noncharacters.
    pytest.param("Sam\ue000Taylor", "unassigned_characters", "U+E000", id="private-use"),
    pytest.param("Sam\uf8ff", "unassigned_characters", "U+F8FF", id="private-use-logo"),
    pytest.param("Ana\U000f0041", "unassigned_characters", "U+F0041", id="private-use-plane-15"),
    pytest.param("\U00100000", "unassigned_characters", "U+100000", id="private-use-plane-16"),
    pytest.param("Ana\u0378Ruiz", "unassigned_characters", "U+0378", id="unassigned"),
    pytest.param("Ana\U0003fffdRuiz", "unassigned_characters", "U+3FFFD", id="unassigned-plane-3"),
    pytest.param("Ana\ufdd0", "unassigned_characters", "U+FDD0", id="noncharacter"),
    pytest.param("Ana\uffff", "unassigned_characters", "U+FFFF", id="noncharacter-ffff"),
]

ACCEPTED = [
    "Zoë Ñúñez",
    "Zoe\u0308 N\u0303u\u0301n\u0303ez",  # the same typed as letters and combining accents
    "李小龙",
    "محمد",
    "Ólafur",
    "O'Brien-Smith",
    "श्\u200dयाम वर्\u200cमा",  # Devanagari with a ZERO WIDTH JOINER and NON-JOINER
    "Nguye\u0302\u0303n",  # Vietnamese typed decomposed: two marks on the e
    "ज़ीं",  # a nukta, a vowel sign and an anusvara on one consonant
    "יִשָּׂשכָר",  # pointed Hebrew: dagesh, sin dot and qamats on one letter
    "བསྒྲུབས",  # Tibetan: two subjoined letters and a vowel on one
    "김민준",
    "สมชาย",
    "Αλέξανδρος Παπαδόπουλος",  # Greek
    "Анна Иванова",  # Cyrillic
    "Արամ Խաչատրյան",  # Armenian
    "ნინო ბერიძე",  # Georgian
    "አበበ ቢቂላ",  # Ethiopic
    "முருகன்",  # Tamil
    "রবীন্দ্রনাথ ঠাকুর",  # Bengali
    "山田 さくら",  # Japanese: kanji and hiragana
    "𠮷野 太郎",  # a CJK letter beyond the first plane (U+20BB7, category Lo)
    "Adébáyọ̀ Ògúnlẹ̀sì",  # Yoruba: a dot below and a tone mark on one letter
    "Đặng Thị Ánh",  # Vietnamese, composed
    "Şükrü Çağlar",  # Turkish
    "Łucja Żółć",  # Polish
    "Ægir Þórsson",  # Icelandic
]


@pytest.mark.parametrize(("name", "code", "said"), REFUSED)
def test_a_blank_broken_or_overloaded_name_is_refused_saying_why(name, code, said):
    with pytest.raises(ValidationError) as refused:
        validate_person_name(name)
    assert refused.value.code == code
    assert said in refused.value.messages[0]


@pytest.mark.parametrize("name", ACCEPTED)
def test_ordinary_names_in_many_scripts_are_accepted(name):
    validate_person_name(name)


@pytest.mark.parametrize("surrogate", [chr(code) for code in (0xD800, 0xDBFF, 0xDC00, 0xDFFF)])
def test_a_lone_surrogate_is_refused_as_no_letter_before_it_could_reach_the_database(surrogate):
    # Not through a form (a request's UTF-8 cannot carry one): the check is the guarantee.
    with pytest.raises(ValidationError) as refused:
        validate_person_name(f"Sam{surrogate}Taylor")
    assert refused.value.code == "unassigned_characters"
    assert f"U+{ord(surrogate):04X}" in refused.value.messages[0]


def test_the_refusal_says_what_a_name_may_hold():
    with pytest.raises(ValidationError) as refused:
        validate_person_name("Sam\ue000")
    message = refused.value.messages[0]
    assert "private-use or unassigned characters" in message
    assert "Use the letters of the name's own alphabet" in message


def test_an_empty_name_is_left_to_the_form_to_require():
    validate_person_name("")


@pytest.fixture
def invited(clinician_client):
    response = clinician_client.post(
        reverse("clinic:invite"), {"email": "new.patient@example.org", "role": "patient"}
    )
    assert response.status_code == 302
    clinician_client.logout()
    return link_in(mail.outbox[-1])


@pytest.mark.parametrize(("name", "code", "said"), REFUSED)
def test_sign_up_refuses_the_name_says_why_and_makes_no_account(client, invited, name, code, said):
    client.get(invited)

    response = sign_up(client, "new.patient@example.org", name=name)

    assert response.status_code == 200
    assert said in response.content.decode()
    assert not User.objects.filter(email="new.patient@example.org").exists()


@pytest.mark.parametrize("name", ["李小龙", "श्\u200dयाम वर्\u200cमा", "Zoë Ñúñez"])
def test_sign_up_accepts_ordinary_names(client, invited, name):
    client.get(invited)

    response = sign_up(client, "new.patient@example.org", name=name)

    assert response.status_code == 302
    assert User.objects.get(email="new.patient@example.org").display_name == name


@pytest.mark.parametrize(("name", "code", "said"), REFUSED)
def test_the_patients_settings_refuse_the_name_and_keep_the_old_one(
    patient_client, patient_a, name, code, said
):
    before = patient_a.user.display_name

    response = patient_client.post(reverse("journal:settings"), settings_data(display_name=name))

    assert response.status_code == 200
    assert said in response.content.decode()
    patient_a.user.refresh_from_db()
    assert patient_a.user.display_name == before


@pytest.mark.parametrize("name", ACCEPTED)
def test_the_patients_settings_accept_ordinary_names(patient_client, patient_a, name):
    response = patient_client.post(reverse("journal:settings"), settings_data(display_name=name))

    assert response.status_code == 302
    patient_a.user.refresh_from_db()
    assert patient_a.user.display_name == name


@pytest.mark.parametrize(("name", "code", "said"), REFUSED)
def test_the_django_admin_refuses_the_name(admin_client_, clinician_a, name, code, said):
    before = clinician_a.display_name

    response = admin_client_.post(
        f"/admin/accounts/user/{clinician_a.pk}/change/",
        {
            "email": clinician_a.email,
            "display_name": name,
            "role": clinician_a.role,
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
        },
    )

    assert response.status_code == 200
    assert said in response.content.decode()
    clinician_a.refresh_from_db()
    assert clinician_a.display_name == before


@pytest.mark.parametrize(("name", "code", "said"), REFUSED)
def test_a_bulk_invitation_row_with_the_name_is_an_error_that_says_why(
    admin_user, clinician_a, name, code, said
):
    line = f"a@example.org,patient,{name},{clinician_a.email},,"
    data = f"email,role,name,clinician,country,language\n{line}\n".encode()

    batch = bulk_invitations.build_batch(admin_user, data)

    stored = batch.rows.get()
    assert stored.verdict == BulkInvitationRow.Verdict.ERROR
    assert stored.problem == f"name_{code}"
    assert said in str(bulk_invitations.problem_message(stored.problem, stored.problem_detail))


@pytest.mark.parametrize(
    ("language", "name", "said"),
    [
        ("es", "Sam\u2028Taylor", "Un nombre debe caber en una sola línea"),
        ("de", "Sam\u2028Taylor", "Ein Name muss in eine Zeile passen"),
        ("es", "\u3164\u3164", "se ven como un espacio vacío"),
        ("de", "\u3164\u3164", "die als leerer Raum erscheinen"),
        ("es", "\u0301", "al menos una letra o un dígito visible"),
        ("de", "\u0301", "mindestens einen sichtbaren Buchstaben"),
        ("es", ZALGO, "más de 3 acentos"),
        ("de", ZALGO, "nicht mehr als 3 Akzente"),
        ("es", "Sam\ue000", "caracteres de uso privado ni sin asignar"),
        ("de", "Sam\ue000", "Zeichen für den privaten Gebrauch"),
    ],
)
def test_the_refusals_read_in_spanish_and_german(language, name, said):
    with translation.override(language):
        with pytest.raises(ValidationError) as refused:
            validate_person_name(name)
        message = refused.value.messages[0]
    assert said in message
