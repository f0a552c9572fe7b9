"""Generate development Web Push (VAPID) keys into var/ once; production sets them in env."""

from django.conf import settings
from django.core.management.base import BaseCommand
from py_vapid import Vapid


class Command(BaseCommand):
    help = "Create var/vapid_private.pem for development Web Push if it does not exist."

    def handle(self, *args, **options):

        path = settings.VAR_DIR / "vapid_private.pem"
        if path.exists():
            self.stdout.write("Development VAPID keys already exist.")
            return
        vapid = Vapid()
        vapid.generate_keys()
        vapid.save_key(str(path))
        path.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"Wrote development VAPID keys to {path}"))
