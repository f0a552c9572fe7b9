"""`manage.py rebuild_attention`: rewrite every patient's stored attention row.

The compose file's migrate job runs it after every migration (until a row is written the
list writes it inline when it first needs it); run it by hand whenever the rows are
suspected to have drifted; the nightly task does the same.
"""

import time

from django.core.management.base import BaseCommand

from patients.clinic import attention


class Command(BaseCommand):
    help = "Rewrite every patient's stored attention row (the clinician list) from the rules."

    def handle(self, *args, **options):
        started = time.perf_counter()
        count = attention.rebuild()
        if options["verbosity"]:
            self.stdout.write(
                f"Rewrote the attention rows of {count} patients in "
                f"{time.perf_counter() - started:.1f} s."
            )
