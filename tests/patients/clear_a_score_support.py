"""The morning check-in form as a browser would post it back, as drawn (the check-in tests')."""

from html.parser import HTMLParser

from django.urls import reverse

from tests.patients.journal_support import TONIGHT

URL = reverse("journal:morning", args=[TONIGHT])


class CheckinForm(HTMLParser):
    """What a browser would post from the check-in form as it is drawn: its hidden and
    text inputs, the checked radios and the textareas; and each radio's value by its label's
    text as a screen reader reads it (aria-hidden parts left out), to choose one by name."""

    def __init__(self):
        super().__init__()
        self.data, self.radios, self._in_form, self._label, self._textarea = (
            {},
            {},
            False,
            None,
            None,
        )
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("data-offline") == "morning":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "span" and (self._hidden or attrs.get("aria-hidden") == "true"):
            self._hidden += 1
        elif tag == "label":
            self._label = []
        elif tag == "input" and attrs.get("type") == "radio":
            self._radio = (attrs["name"], attrs.get("value", ""))
            if "checked" in attrs:
                self.data[attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("type") in ("hidden", "text"):
            self.data[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea] = ""

    def handle_data(self, data):
        if self._label is not None and not self._hidden:
            self._label.append(data)
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "span" and self._hidden:
            self._hidden -= 1
        elif tag == "form":
            self._in_form = False
        elif tag == "label" and self._label is not None:
            name, value = self._radio
            self.radios.setdefault(name, {})[" ".join("".join(self._label).split())] = value
            self._label = None
        elif tag == "textarea":
            self._textarea = None


def drawn_form(client) -> CheckinForm:
    parser = CheckinForm()
    parser.feed(client.get(URL).content.decode())
    return parser
