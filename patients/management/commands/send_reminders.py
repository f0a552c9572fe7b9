"""Run the every-minute sweep once, as if the time were --at (default now).

Without --dry-run it runs the tick beat's task runs (patients.notifications.tasks.sweep_tick):
urgent reports first (escalations, held-back and failed urgent alerts), then the reminders.
Everything it claims is sent in this process through the same send function the worker uses,
the urgent alerts too (each is also handed to the worker, as the task does: whichever takes it
first sends it, the other finds it done), so run by hand while the worker is down it still
alerts the clinicians at once, and running it twice for the same moment sends nothing the
second time. --dry-run lists each due reminder and each urgent report due for escalation, and
changes nothing.
"""

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patients.notifications import outbox as delivery
from patients.notifications.due import due_reminders
from patients.notifications.tasks import sweep_tick
from patients.urgent.reports import due_for_escalation

# The moments --at may name. The sweep reaches days around the moment in every patient's
# zone (nights, windows, the next reminder), so a moment at the end of datetime's range
# (9999-12-31, 0001-01-01) crashed with OverflowError deep inside it; no run needs a
# moment outside these years.
FIRST_YEAR, LAST_YEAR = 2000, 2100
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)  # exclusive


def parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"--at {value!r} is not an ISO 8601 time; use e.g. 2026-03-08T21:00:00+00:00."
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # a bare time is UTC, as the database stores
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 lies before the first moment there is
        moment = None
    if moment is None or not EARLIEST <= moment < LATEST:
        raise CommandError(
            f"--at {value!r} is out of range: give a time in the years {FIRST_YEAR} to "
            f"{LAST_YEAR} (UTC), e.g. 2026-03-08T21:00:00+00:00."
        )
    return moment


class Command(BaseCommand):
    help = "Send due reminders (or list them with --dry-run) as if the time were --at."

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help=f"ISO time to run the sweep as, in the years {FIRST_YEAR} to {LAST_YEAR} "
            "(default: now; UTC if naive)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")

    def handle(self, *args, at=None, dry_run=False, **options):
        now = parse_moment(at) if at else timezone.now()
        if dry_run:
            return self._dry_run(now)
        outcomes = {}

        def send_here(ids, *, at=now):
            for delivery_id in ids:
                try:
                    status = delivery.send_delivery(delivery_id, now=at)
                except delivery.RetryLater as exc:
                    status = f"pending (retry later: {exc})"
                outcomes[status or "already handled"] = (
                    outcomes.get(status or "already handled", 0) + 1
                )

        self._urgent_clock(now)
        tick = sweep_tick(
            now, dispatch=send_here, send_urgent=lambda ids, at: send_here(ids, at=at)
        )
        if tick.urgent is None:
            self.stdout.write("Urgent reports: the urgent sweep failed (see the log).")
        else:
            self.stdout.write(
                f"Urgent reports: escalated {len(tick.urgent['escalated'])}, "
                f"alerts claimed {len(tick.urgent['claimed'])} (sent here), "
                f"failed alerts reported {len(tick.urgent['failed'])}."
            )
        result = tick.reminders
        self.stdout.write(
            f"Sweep at {now.isoformat()}: looked at {result.looked_at} patients, "
            f"claimed {len(result.claimed)}, re-sent {len(result.requeued)}, "
            f"digests {len(result.digests)}, expired {result.expired + result.missed}."
        )
        for status, count in sorted(outcomes.items()):
            self.stdout.write(f"  {status}: {count}")

    def _urgent_clock(self, now):
        """The urgent part's moment, as sweep_tick takes it (never ahead of the clock: a
        future --at must not escalate early), said when it is not --at."""
        clock = timezone.now()
        if now > clock:
            self.stdout.write(
                f"Urgent reports are swept as of now ({clock.isoformat(timespec='seconds')}), "
                "not --at: it is in the future."
            )
        return min(now, clock)

    def _dry_run(self, now):
        escalations = 0
        # The same moment the real run escalates at (the dry run listed reports a future
        # --at made due, which the real run then did not escalate, saying nothing).
        for report in due_for_escalation(self._urgent_clock(now)):
            escalations += 1
            # Not a reminder line (email, kind, channel, time): no tab, no address.
            self.stdout.write(
                f"Urgent report #{report.pk} (patient #{report.patient_id}) is due for "
                f"escalation: made {report.created_at.isoformat()}, not acknowledged."
            )
        self.stdout.write(
            f"{escalations} urgent report(s) due for escalation (dry run: nothing escalated; "
            "held-back urgent alerts are not simulated)."
        )
        count = 0
        for batch in due_reminders(now):
            for _patient, plan in batch:
                for due in plan.due:
                    count += 1
                    self.stdout.write(
                        f"{due.email}\t{due.kind}\t{due.channel}\t"
                        f"{due.local_due.strftime('%Y-%m-%d %H:%M %Z')} ({due.tz})"
                    )
        self.stdout.write(f"{count} reminder(s) due at {now.isoformat()} (dry run: nothing sent).")
