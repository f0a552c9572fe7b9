from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients and journal"

    def ready(self):
        from patients import signals
        from patients.clinic import attention

        # Each message kind's renderer registers itself with the outbox on import; devices
        # takes this browser's push device off the account when it signs out.
        from patients.notifications import devices, renderers, undelivered  # noqa: F401
        from patients.urgent import reports  # noqa: F401

        signals.connect_plan_signals()
        attention.connect_signals()
