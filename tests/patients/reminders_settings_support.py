"""The reminder settings page and a valid post of it (the reminder settings tests')."""

from tests.patients.reminder_support import SETTINGS_FORM

VALID = SETTINGS_FORM
URL = "/journal/settings/"
