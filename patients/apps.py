from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients and journal"

    def ready(self):
        from patients import signals
        from patients.clinic import attention
        from patients.urgent import reports  # noqa: F401 - registers the urgent alert renderers

        signals.connect_plan_signals()
        attention.connect_signals()
