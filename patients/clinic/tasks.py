"""Periodic upkeep of the clinician list's stored attention rows (patients.clinic.attention)."""

from celery import shared_task

from patients.clinic import attention


@shared_task(name="patients.refresh_attention", ignore_result=True)
def refresh_attention():
    """Rows due (the patient logged, or their night turned) or missing, every minute."""
    attention.refresh_due()


@shared_task(name="patients.rebuild_attention", ignore_result=True)
def rebuild_attention():
    """Every row, nightly: repairs any drift (a change saved without a trigger)."""
    attention.rebuild()
