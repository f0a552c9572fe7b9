"""The patient's "My care team" page marks a deactivated clinician as the clinician's and the
admin's care-team pages do (one badge, templates/includes/deactivated_badge.html): it named
them as any member, while they read nothing and get no alert (found by QA)."""

import re

from django.urls import reverse

from patients.models import CareTeamMembership


def test_my_care_team_marks_a_deactivated_clinician_and_only_them(
    patient_client, patient_a, clinician_b
):
    CareTeamMembership.objects.create(patient=patient_a, clinician=clinician_b)
    clinician_b.is_active = False
    clinician_b.save(update_fields=["is_active"])

    page = patient_client.get(reverse("journal:care_team")).content.decode()

    team = page.split('id="team-title"')[1]
    assert re.search(r"<li>Dr B <span[^>]*>Deactivated</span></li>", team)
    assert "<li>Dr A</li>" in team


def test_the_badge_is_translated_on_the_patients_page(patient_client, patient_a, clinician_b):
    CareTeamMembership.objects.create(patient=patient_a, clinician=clinician_b)
    clinician_b.is_active = False
    clinician_b.save(update_fields=["is_active"])
    patient_a.user.language = "de"
    patient_a.user.save(update_fields=["language"])

    page = patient_client.get(reverse("journal:care_team")).content.decode()

    assert re.search(r"Dr B <span[^>]*>Deaktiviert</span>", page)
