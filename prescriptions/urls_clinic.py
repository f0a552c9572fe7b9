"""Clinician plan pages, included under /clinic/ in the clinic namespace."""

from django.urls import path

from prescriptions.views import clinic

urlpatterns = [
    path("patients/<int:patient_id>/plan/", clinic.plan, name="plan"),
    path("patients/<int:patient_id>/plan/new/", clinic.prescription_new, name="prescription_new"),
    path("patients/<int:patient_id>/plan/change/", clinic.plan_change, name="plan_change"),
    path("patients/<int:patient_id>/plan/hold/", clinic.plan_hold, name="plan_hold"),
    path("patients/<int:patient_id>/plan/resume/", clinic.plan_resume, name="plan_resume"),
    path("patients/<int:patient_id>/plan/end/", clinic.plan_end, name="plan_end"),
    path(
        "patients/<int:patient_id>/plan/dosing-time/",
        clinic.plan_dosing_time,
        name="plan_dosing_time",
    ),
    path(
        "patients/<int:patient_id>/plan/versions/<int:version_id>/",
        clinic.version_detail,
        name="plan_version",
    ),
    path(
        "patients/<int:patient_id>/plan/templates/",
        clinic.template_choose,
        name="plan_template_choose",
    ),
    path(
        "patients/<int:patient_id>/plan/templates/<int:template_id>/apply/",
        clinic.plan_change,
        name="plan_template_apply",
    ),
    path(
        "patients/<int:patient_id>/plan/suggestions/dismiss/",
        clinic.suggestion_dismiss,
        name="suggestion_dismiss",
    ),
    path("templates/", clinic.template_list, name="templates"),
    path("templates/new/", clinic.template_edit, name="template_new"),
    path("templates/<int:template_id>/", clinic.template_edit, name="template_edit"),
]
