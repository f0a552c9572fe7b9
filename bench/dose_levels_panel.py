"""The symptoms-by-dose panel of a ten-year record, timed in-process:
`DATABASE_URL=... python -m bench.dose_levels_panel`.

Saves one patient with BENCH_NIGHTS (3,650) logged nights (30 before the first dose, then
1.5, 3 and 4.5 mg, one night in nine skipped, one extra scale scored) in DATABASE_URL's
database (migrated), in a transaction it rolls back at the end, and times, BENCH_RUNS times
each (200), the panel as the page had it (by_dose_level over records.read_patient's records:
the summary alone, and with the read of every night it needed) and as it is
(dashboard.dose_levels: the database's groups). Prints the median CPU and wall time of each.
"""

import os
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ldn_journal.settings")
os.environ.setdefault("DEBUG", "true")  # no SECRET_KEY needed; queries are not kept
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from ldn_journal.accounts.models import User  # noqa: E402
from patients import records  # noqa: E402
from patients.clinic import dashboard  # noqa: E402
from patients.models import NightlyEntry, Patient, SymptomScale, SymptomScore  # noqa: E402
from patients.rules import dose_response  # noqa: E402

NIGHTS = int(os.environ.get("BENCH_NIGHTS", "3650"))
RUNS = int(os.environ.get("BENCH_RUNS", "200"))
LAST = date(2026, 3, 30)


def _dose(i):
    if i < 30:
        return None
    return Decimal("1.5") if i < 44 else Decimal("3") if i < 58 else Decimal("4.5")


def save_patient():
    user = User.objects.create(email="dose-levels-bench@example.org", display_name="Bench")
    patient = Patient.objects.create(user=user)
    fog = SymptomScale.objects.create(patient=patient, name="Brain fog")
    rows = []
    for i in range(NIGHTS):
        dose, skipped = _dose(i), i >= 30 and i % 9 == 4
        rows.append(
            NightlyEntry(
                patient=patient,
                night=LAST - timedelta(days=NIGHTS - 1 - i),
                status="skipped" if skipped else "taken" if dose else "",
                dose_mg=None if skipped else dose,
                pain=i % 7 + 2,
                fatigue=i % 5 + 3,
                mood=i % 6 + 3,
                sleep_quality=i % 4 + 5,
                dream_intensity=i % 3 + 2,
                dreams=("none", "normal", "vivid", "nightmares", "")[i % 5],
                morning_logged_at=timezone.now(),
            )
        )
    entries = NightlyEntry.objects.bulk_create(rows, batch_size=2000)
    SymptomScore.objects.bulk_create(
        SymptomScore(entry=entry, scale=fog, value=i % 11) for i, entry in enumerate(entries)
    )
    return patient


def timed(function):
    cpu, wall = [], []
    function()  # compiled once per process, warm caches
    for _ in range(RUNS):
        c, w = time.process_time(), time.perf_counter()
        function()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def main():
    with transaction.atomic():
        patient = save_patient()
        page = SimpleNamespace(patient=patient, position=SimpleNamespace(dosing_time="evening"))
        nights = records.read_patient(patient.pk).records
        assert len(nights) == NIGHTS
        expected = dose_response.by_dose_level(nights)
        assert dashboard.dose_levels(page) == expected
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE patients_nightlyentry")
        cases = {
            "before: by_dose_level(records), records already read": lambda: (
                dose_response.by_dose_level(nights)
            ),
            "before: read every night + by_dose_level": lambda: dose_response.by_dose_level(
                records.read_patient(patient.pk).records
            ),
            "after: dashboard.dose_levels(page), one grouped query": lambda: dashboard.dose_levels(
                page
            ),
        }
        print(f"{NIGHTS:,} nights, {RUNS} runs each, median (ms):")
        for name, function in cases.items():
            cpu, wall = timed(function)
            print(f"  {name:58} CPU {cpu:6.2f}   wall {wall:6.2f}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
