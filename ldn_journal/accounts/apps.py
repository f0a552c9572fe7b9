from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ldn_journal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from . import signals, time_zones  # noqa: F401
