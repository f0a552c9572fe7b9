from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ldn_journal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from ldn_journal.accounts import signals, time_zones  # noqa: F401
