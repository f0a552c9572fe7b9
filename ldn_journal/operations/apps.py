from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "ldn_journal.operations"
    label = "operations"
    verbose_name = "Operations"
