"""Create the demo clinic: accounts, care teams, plans and months of nights. Idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ldn_journal import demo


class Command(BaseCommand):
    help = "Create or refresh the demo accounts and data (password: ldn-demo-2026)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never on a real site)."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password, so it refuses to run "
                "with DEBUG off. Pass --force only on a throwaway demo site."
            )
        users, patients = demo.seed_people()
        for step in demo.extra_steps():
            step(users, patients)
        self.stdout.write(
            self.style.SUCCESS(f"Demo ready: {len(users)} accounts, password {demo.DEMO_PASSWORD}")
        )
