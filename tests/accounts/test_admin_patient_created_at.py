"""Saving a patient in the Django admin keeps when the row was made. created_at was an editable
date-time field shown in the admin's zone (Europe/London): on a patient made in the hour the
clocks go back it showed 01:30, a time that happens twice that night, and the admin refused to
save the patient at all ("couldn't be interpreted in time zone Europe/London"), whatever was
changed. It is a record, not something an admin edits: read-only."""

from datetime import UTC, datetime

from tests.accounts.admin_patient_support import _posted

# 01:30 on 25 Oct 2026 in London, the first of the two (BST): the clocks go back at 02:00.
MADE_AT = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def _errors(response):
    context = response.context
    inlines = [inline.formset.errors for inline in context["inline_admin_formsets"]]
    return context["adminform"].form.errors, inlines


def test_an_admin_saves_a_patient_made_in_an_ambiguous_hour_and_created_at_stays(
    admin_client_, patient_a
):
    patient_a.created_at = MADE_AT
    patient_a.save(update_fields=["created_at"])
    url = f"/admin/patients/patient/{patient_a.pk}/change/"
    page = admin_client_.get(url)
    assert 'name="created_at_0"' not in page.content.decode()  # shown, not an input
    data = _posted(page.context["adminform"].form)
    for formset in page.context["inline_admin_formsets"]:
        data.update(_posted(formset.formset.management_form))
        for form in formset.formset.forms:
            data.update(_posted(form))
    data["conditions"] = "Fibromyalgia"
    response = admin_client_.post(url, data)
    assert response.status_code == 302, _errors(response)
    patient_a.refresh_from_db()
    assert patient_a.conditions == "Fibromyalgia"
    assert patient_a.created_at == MADE_AT
