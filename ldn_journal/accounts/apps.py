from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ldn_journal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from ldn_journal import translation_memo
        from ldn_journal.accounts import signals, time_zones  # noqa: F401

        # Translations remember the messages asked of them (ldn_journal/translation_memo.py).
        translation_memo.install()
