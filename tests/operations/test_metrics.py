"""/metrics: behind a bearer token (404 otherwise), deliveries, urgent reports, the sweep,
channels, queues, and request latency by view name."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ldn_journal.operations import heartbeat
from ldn_journal.operations.models import ChannelState
from patients.models import ReminderDelivery
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.urgent_support import urgent_report

TOKEN = "metrics-token-for-tests-0123456789"
Status = ReminderDelivery.Status


@pytest.fixture
def token(settings):
    settings.LDN_METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client, token=TOKEN):
    return client.get("/metrics", headers={"authorization": f"Bearer {token}"})


@pytest.mark.django_db
def test_metrics_answer_404_without_a_token(client, token):
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_answer_404_with_a_wrong_token(client, token):
    assert scrape(client, "not-the-token").status_code == 404


@pytest.mark.django_db
def test_metrics_answer_404_when_no_token_is_configured(client, settings):
    settings.LDN_METRICS_TOKEN = ""
    assert scrape(client, "").status_code == 404


@pytest.mark.django_db
def test_metrics_count_deliveries_by_kind_and_status_and_the_oldest_pending(client, token):
    patient = PatientFactory(clinicians=[ClinicianFactory()])
    urgent_report(patient, timezone.now())
    ReminderDelivery.objects.update(claimed_at=timezone.now() - timedelta(minutes=6))
    body = scrape(client).content.decode()
    assert 'ldn_deliveries{kind="urgent",status="pending"} 1.0' in body
    oldest = next(
        line
        for line in body.splitlines()
        if line.startswith('ldn_delivery_oldest_pending_seconds{kind="urgent"}')
    )
    assert float(oldest.split()[-1]) >= 360
    assert "ldn_urgent_reports_open 1.0" in body


@pytest.mark.django_db
def test_metrics_show_the_last_sweep_its_duration_and_lag(client, token):
    now = timezone.now()
    heartbeat.record(heartbeat.SWEEP, now - timedelta(seconds=4), now, lag_seconds=1.5)
    body = scrape(client).content.decode()
    assert "ldn_sweep_duration_seconds 4.0" in body
    assert "ldn_sweep_lag_seconds 1.5" in body
    assert "ldn_sweep_seconds_since_last" in body


@pytest.mark.django_db
def test_metrics_show_a_failing_channel_and_its_failures(client, token):
    ChannelState.objects.create(
        channel="email", failing_since=timezone.now(), failures=7, failures_total=9
    )
    body = scrape(client).content.decode()
    assert 'ldn_channel_failing{channel="email"} 1.0' in body
    assert 'ldn_channel_failures_total{channel="email"} 9.0' in body


@pytest.mark.django_db
def test_request_latency_is_filed_under_the_view_name_never_the_path(
    client, token, patient_client, patient_a
):
    patient_client.get("/journal/")
    client.get(f"/clinic/patients/{patient_a.pk}/")  # a path with an id
    body = scrape(client).content.decode()
    assert 'ldn_request_duration_seconds_count{method="GET",status="2xx",view="journal:home"}' in (
        body
    )
    assert f"/{patient_a.pk}/" not in body
