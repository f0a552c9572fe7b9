from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients and journal"

    def ready(self):
        from . import signals, urgent  # noqa: F401 - urgent registers its alert renderers

        signals.connect_plan_signals()
