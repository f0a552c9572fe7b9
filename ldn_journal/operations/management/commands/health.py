"""`manage.py health`: database, cache, broker and worker heartbeat; exit 1 if any fails."""

from django.core.management.base import BaseCommand, CommandError

from ldn_journal.operations.health import run_checks


class Command(BaseCommand):
    help = "Check the database, cache, broker and the worker's sweep heartbeat."

    def handle(self, *args, **options):
        results = run_checks()
        for result in results:
            style = self.style.SUCCESS if result.ok else self.style.ERROR
            self.stdout.write(
                style(f"{result.name:<9} {'ok' if result.ok else 'FAIL'}  ") + result.detail
            )
        failed = [r.name for r in results if not r.ok]
        if failed:
            raise CommandError(f"unhealthy: {', '.join(failed)}")
