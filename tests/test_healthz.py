"""Point 11: GET /healthz answers 200 + JSON when the database answers, 503 when it does not."""

from unittest import mock

from django.conf import settings
from django.db import OperationalError, connection


def test_healthz_answers_200_json_with_one_query_and_no_session(
    client, db, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_needs_no_login_and_ignores_a_session_cookie(
    patient_client, django_assert_num_queries
):
    with django_assert_num_queries(1):
        response = patient_client.get("/healthz")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_healthz_answers_503_when_the_database_is_down(client, db):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert "down" not in response.content.decode()  # no error details leak


def test_healthz_refuses_other_methods(client, db):
    assert client.post("/healthz").status_code == 405
