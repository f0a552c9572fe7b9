"""A clinician stops asking about an extra scale: the patient is no longer asked, and the
answers already given stay (charts, nights, exports). There was no way to retire a scale
once added (exploratory QA)."""

import re
import uuid
from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry, SymptomScale, SymptomScore
from tests.patients.clear_a_score_support import drawn_form
from tests.patients.journal_support import TONIGHT, make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

MORNING_AFTER = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
MORNING_URL = reverse("journal:morning", args=[TONIGHT])


@pytest.fixture
def fog(patient_a):
    return SymptomScale.objects.create(
        patient=patient_a, name="Brain fog", low_anchor="Clear", high_anchor="Foggy"
    )


def _stop_url(patient, scale):
    return reverse("clinic:stop_scale", args=[patient.pk, scale.pk])


def _page(client, patient):
    return unescape(client.get(reverse("clinic:patient", args=[patient.pk])).content.decode())


def _scale_item(page, name):
    return re.search(rf"<li>{name} .*?</li>", page, re.S).group(0)


def test_each_scale_still_asked_has_a_stop_asking_button_naming_it(
    clinician_client, patient_a, fog
):
    item = _scale_item(_page(clinician_client, patient_a), "Brain fog")
    assert f'action="{_stop_url(patient_a, fog)}"' in item
    assert 'method="post"' in item
    assert "csrfmiddlewaretoken" in item
    assert 'aria-label="Stop asking about “Brain fog”">Stop asking</button>' in item


def test_stop_asking_stops_the_scale_and_says_what_stays(clinician_client, patient_a, fog):
    response = clinician_client.post(_stop_url(patient_a, fog))
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:patient", args=[patient_a.pk]) + "#scales"
    fog.refresh_from_db()
    assert not fog.active
    page = _page(clinician_client, patient_a)
    assert "The patient is no longer asked about “Brain fog”. The answers already given" in page
    item = _scale_item(page, "Brain fog")
    assert "no longer asked" in item
    assert "Stop asking" not in item


def test_stopping_a_scale_stopped_already_changes_nothing_and_says_so(
    clinician_client, patient_a, fog
):
    clinician_client.post(_stop_url(patient_a, fog))
    clinician_client.get(reverse("clinic:patient", args=[patient_a.pk]))  # reads the message
    clinician_client.post(_stop_url(patient_a, fog))
    page = _page(clinician_client, patient_a)
    assert "The patient was already no longer asked about “Brain fog”: nothing changed." in page


def test_stop_asking_is_a_post_only(clinician_client, patient_a, fog):
    assert clinician_client.get(_stop_url(patient_a, fog)).status_code == 405
    fog.refresh_from_db()
    assert fog.active


def test_another_teams_clinician_cannot_stop_the_scale(patient_a, fog, clinician_b):
    response = signed_in_reauthenticated(clinician_b).post(_stop_url(patient_a, fog))
    assert response.status_code == 404
    fog.refresh_from_db()
    assert fog.active


@pytest.mark.parametrize(
    ("language", "button", "stopped"),
    [
        ("de", "Nicht mehr fragen", "wird nicht mehr gefragt"),
        ("es", "Dejar de preguntar", "ya no se pregunta"),
    ],
)
def test_the_scales_list_speaks_the_clinicians_language(
    clinician_client, clinician_a, patient_a, fog, language, button, stopped
):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    SymptomScale.objects.create(patient=patient_a, name="Itch", active=False)
    page = _page(clinician_client, patient_a)
    assert f">{button}</button>" in _scale_item(page, "Brain fog")
    assert stopped in _scale_item(page, "Itch")


@pytest.fixture
def answered(patient_client, patient_a, clinician_a, fog):
    """The patient scored Brain fog 5 on tonight's check-in; then the clinician stopped it."""
    make_plan(patient_a, clinician_a)
    with time_machine.travel(MORNING_AFTER, tick=False):
        posted = {"submission_id": str(uuid.uuid4()), f"scale_{fog.pk}": "5", "pain": "6"}
        assert patient_client.post(MORNING_URL, posted).status_code == 302
        signed_in_reauthenticated(clinician_a).post(_stop_url(patient_a, fog))
        yield fog


def test_the_patient_is_no_longer_asked_about_a_stopped_scale(patient_client, answered):
    with time_machine.travel(MORNING_AFTER, tick=False):
        form = drawn_form(patient_client)
    assert f"scale_{answered.pk}" not in form.radios
    assert "pain" in form.radios


def test_a_check_in_saved_again_keeps_the_answer_to_a_stopped_scale(patient_client, answered):
    # The check-in replaced every score of the night: the stopped scale, no longer on the
    # form, lost its answer when the patient corrected the night's pain.
    with time_machine.travel(MORNING_AFTER, tick=False):
        form = drawn_form(patient_client)
        form.data.update(pain="3", submission_id=str(uuid.uuid4()))
        assert patient_client.post(MORNING_URL, form.data).status_code == 302
    entry = NightlyEntry.objects.get()
    assert entry.pain == 3
    assert list(SymptomScore.objects.values_list("scale_id", "value")) == [(answered.pk, 5)]


def test_the_answers_to_a_stopped_scale_stay_in_the_chart_and_the_export(
    patient_a, clinician_a, answered
):
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(MORNING_AFTER, tick=False):
        page = _page(client, patient_a)
        export = client.get(
            reverse("clinic:export", args=[patient_a.pk, "csv"]),
            {"start": str(TONIGHT), "end": str(TONIGHT)},
        )
    assert re.search(r"<th[^>]*>Brain fog</th>", page)  # the chart's data table
    csv = b"".join(export.streaming_content) if export.streaming else export.content
    assert "Brain fog=5" in csv.decode("utf-8-sig")


def _ask_url(patient, scale):
    return reverse("clinic:ask_scale_again", args=[patient.pk, scale.pk])


def test_a_stopped_scale_has_an_ask_again_button_naming_it(clinician_client, patient_a, fog):
    clinician_client.post(_stop_url(patient_a, fog))
    item = _scale_item(_page(clinician_client, patient_a), "Brain fog")
    assert f'action="{_ask_url(patient_a, fog)}"' in item
    assert 'aria-label="Ask about “Brain fog” again">Ask again</button>' in item


def test_a_stopped_scale_is_asked_again_and_the_patient_sees_it_again(
    patient_client, clinician_a, patient_a, answered
):
    clinician = signed_in_reauthenticated(clinician_a)
    response = clinician.post(_ask_url(patient_a, answered))
    assert response.status_code == 302
    answered.refresh_from_db()
    assert answered.active
    page = _page(clinician, patient_a)
    assert "The patient will now be asked about “Brain fog” again." in page
    with time_machine.travel(MORNING_AFTER, tick=False):
        form = drawn_form(patient_client)
    assert form.data[f"scale_{answered.pk}"] == "5"  # the answer given, there to correct


def test_asking_a_scale_asked_already_changes_nothing_and_says_so(clinician_client, patient_a, fog):
    clinician_client.post(_ask_url(patient_a, fog))
    page = _page(clinician_client, patient_a)
    assert "The patient is already asked about “Brain fog”: nothing changed." in page
    fog.refresh_from_db()
    assert fog.active


# Offline: the patient answered at 07:00 with no connection, the clinician stopped the scale
# at 09:00, the phone sent the kept check-in at 10:00 (DESIGN §4: nothing lost silently).
ANSWERED_OFFLINE = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
STOPPED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
RECONNECTED = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
REPLAY = {"HTTP_X_LDN_REPLAY": "1"}


def _replay(client, **data):
    posted = {
        "submission_id": str(uuid.uuid4()),
        "acted_at": ANSWERED_OFFLINE.isoformat(),
        **data,
    }
    with time_machine.travel(RECONNECTED, tick=False):
        return client.post(MORNING_URL, posted, **REPLAY)


@pytest.fixture
def stopped_after_answering_offline(patient_a, clinician_a, fog):
    make_plan(patient_a, clinician_a)
    with time_machine.travel(STOPPED, tick=False):
        signed_in_reauthenticated(clinician_a).post(_stop_url(patient_a, fog))
    fog.refresh_from_db()
    assert not fog.active
    return fog


def test_a_check_in_kept_offline_keeps_its_answer_to_a_scale_stopped_before_it_was_sent(
    patient_client, stopped_after_answering_offline
):
    fog = stopped_after_answering_offline
    response = _replay(patient_client, **{f"scale_{fog.pk}": "7"})
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True
    entry = NightlyEntry.objects.get()
    assert entry.logged_offline
    assert list(SymptomScore.objects.values_list("scale_id", "value")) == [(fog.pk, 7)]


def test_a_page_drawn_before_stop_asking_keeps_its_answer_to_the_stopped_scale(
    patient_client, stopped_after_answering_offline
):
    fog = stopped_after_answering_offline
    posted = {"submission_id": str(uuid.uuid4()), f"scale_{fog.pk}": "7", "pain": "4"}
    with time_machine.travel(RECONNECTED, tick=False):
        assert patient_client.post(MORNING_URL, posted).status_code == 302
    assert list(SymptomScore.objects.values_list("scale_id", "value")) == [(fog.pk, 7)]


@pytest.mark.parametrize("value", ["11", "-1", "7.5", "seven"])
def test_an_answer_to_a_stopped_scale_is_checked_as_an_asked_ones_is(
    patient_client, stopped_after_answering_offline, value
):
    fog = stopped_after_answering_offline
    response = _replay(patient_client, **{f"scale_{fog.pk}": value, "pain": "4"})
    assert response.status_code == 400
    assert response.json()["message"] == "Choose a whole number from 0 to 10."
    assert not NightlyEntry.objects.exists()
    assert not SymptomScore.objects.exists()


def test_the_check_in_page_does_not_draw_a_scale_stopped_before_any_answer(
    patient_client, stopped_after_answering_offline
):
    with time_machine.travel(RECONNECTED, tick=False):
        form = drawn_form(patient_client)
    assert f"scale_{stopped_after_answering_offline.pk}" not in form.radios
    assert "pain" in form.radios


@pytest.mark.parametrize("active", [True, False])
def test_a_check_in_never_scores_another_patients_scale(
    patient_client, patient_a, patient_b, clinician_a, active
):
    make_plan(patient_a, clinician_a)
    theirs = SymptomScale.objects.create(patient=patient_b, name="Brain fog", active=active)
    response = _replay(patient_client, **{f"scale_{theirs.pk}": "7", "pain": "4"})
    assert response.status_code == 200, response.content
    assert NightlyEntry.objects.get().pain == 4
    assert not SymptomScore.objects.exists()
