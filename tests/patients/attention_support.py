"""The clinician list's stored attention row checked against one computed afresh (the
attention, morning-doser and demo-data tests')."""

from patients.clinic import attention
from patients.models import CareTeamMembership, Patient, PatientAttention


def fresh_row(patient, now):
    [row] = attention.evaluate(Patient.objects.filter(pk=patient.pk), now)
    return row


def shown(row):
    """What the list shows of a row, and what it sorts and filters by."""
    return (
        row.patient.pk,
        row.today,
        row.position,
        row.last_entry,
        row.nights_silent,
        row.adherence_7,
        row.adherence_30,
        row.flags,
        row.open_flags,
        row.needs_review,
        str(row.sparkline),
        row.closed,
    )


def assert_stored_equals_fresh(patient, now):
    stored = PatientAttention.objects.get(patient=patient)
    row = fresh_row(patient, now)
    assert attention.stored_state(stored) == attention.state_of(row)
    assert shown(attention.row_from(stored, row.patient)) == shown(row)
    # The list reads the same row from the stored text (decoded once per distinct text).
    listed = Patient.objects.annotate(**attention.stored_columns()).get(pk=patient.pk)
    assert shown(attention.stored_row(listed)) == shown(row)
    # The sort the list's index reads, copied onto every care-team link, is the same.
    links = CareTeamMembership.objects.filter(patient=patient).count()
    assert links >= 1
    assert attention.stored_team_states(patient.pk) == [attention.team_state_of(row)] * links
