"""{% once %}: the base layout's fixed parts rendered once per process and language, and
never showing anything of one reader to another."""

import re
from datetime import UTC, datetime

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from ldn_journal import template_once
from patients.models import UrgentReport


def _render(text, **context):
    return Template("{% load once %}" + text).render(Context(context))


def test_a_fragment_reads_only_the_values_it_names():
    template = Template(
        "{% load once %}{% once shown=shown %}{{ shown }}|{{ secret }}{% endonce %}"
    )
    html = template.render(Context({"shown": "a", "secret": "patient data"}))
    assert html == "a|"


def test_a_fragment_is_kept_per_language_and_per_value():
    template = Template(
        '{% load once i18n %}{% once tab=tab %}{% translate "Skip to content" %} {{ tab }}'
        "{% endonce %}"
    )
    with translation.override("en-gb"):
        assert template.render(Context({"tab": "home"})) == "Skip to content home"
        assert template.render(Context({"tab": "plan"})) == "Skip to content plan"
    with translation.override("de"):
        german = template.render(Context({"tab": "home"}))
    assert "Skip to content" not in german
    assert german.endswith(" home")
    node = template.nodelist[-1]
    assert isinstance(node, template_once.OnceNode)
    assert len(node.memo) == 3


def test_a_fragment_rendered_again_is_the_kept_one():
    template = Template("{% load once %}{% once %}{{ counter.next }}{% endonce %}")
    calls = iter(range(10))

    class Counter:
        def next(self):
            return next(calls)

    # Nothing outside the named values is read, so even this renders the same each time.
    assert template.render(Context({"counter": Counter()})) == ""
    node = template.nodelist[-1]
    assert list(node.memo.values()) == [""]


def test_kept_variants_are_bounded():
    template = Template("{% load once %}{% once value=value %}{{ value }}{% endonce %}")
    for value in range(template_once.VARIANTS + 10):
        assert template.render(Context({"value": value})) == str(value)
    memo = template.nodelist[-1].memo
    assert len(memo) == template_once.VARIANTS
    # The newest are kept, the oldest made room; an evicted one renders (right) again.
    kept = [key[-1][1] for key in memo]
    assert kept == list(range(10, template_once.VARIANTS + 10))
    assert template.render(Context({"value": 0})) == "0"


def test_an_unhashable_value_is_a_template_error():
    with pytest.raises(TemplateSyntaxError, match="hashable"):
        _render("{% once items=items %}{{ items }}{% endonce %}", items=[1, 2])


def test_a_changed_setting_renders_the_fragment_anew(settings):
    template = Template("{% load once static %}{% once %}{% static 'css/app.css' %}{% endonce %}")
    assert template.render(Context()) == "/static/css/app.css"
    settings.STATIC_URL = "/elsewhere/"
    assert template.render(Context()) == "/elsewhere/css/app.css"


@pytest.mark.django_db
def test_each_patient_page_shows_its_own_tab_as_current_in_the_readers_language(
    patient_client, patient_a
):
    def current_tab(url, language):
        patient_a.user.language = language
        patient_a.user.save(update_fields=["language"])
        page = patient_client.get(url).content.decode()
        bar = page[page.index('class="tab-bar"') :]
        return re.findall(r'<a href="([^"]+)"[^>]*aria-current="page">([^<]+)</a>', bar), page

    tonight, page = current_tab(reverse("journal:home"), "en-gb")
    assert tonight == [(reverse("journal:home"), "Tonight")]
    assert "Skip to content" in page
    history, _ = current_tab(reverse("journal:history"), "en-gb")
    assert history == [(reverse("journal:history"), "History")]
    heute, page = current_tab(reverse("journal:home"), "de")
    assert heute[0][0] == reverse("journal:home")
    assert heute[0][1] != "Tonight"
    assert "Skip to content" not in page
    assert '<html lang="de">' in page


@pytest.mark.django_db
def test_the_clinicians_nav_count_is_their_own(client, clinician_a, clinician_b, patient_a):
    UrgentReport.objects.create(patient=patient_a, symptoms=["panic"], severity="severe")

    def nav(user):
        client.force_login(user)
        page = client.get(reverse("clinic:patients")).content.decode()
        return page[page.index('<nav class="nav nav-main"') : page.index("</nav>")]

    assert "nav-count" in nav(clinician_a)
    assert "nav-count" not in nav(clinician_b)
    assert "nav-count" in nav(clinician_a)


def test_request_factory_pages_without_the_navigation_still_render():
    # A page rendered without the context processors (an error page) has no nav values.
    request = RequestFactory().get("/")
    html = Template("{% load once %}{% once items=nav_items %}[{{ items }}]{% endonce %}").render(
        Context({"request": request})
    )
    assert html == "[]"


def test_a_fragment_is_kept_per_time_zone():
    template = Template(
        "{% load once %}{% once moment=moment %}{{ moment|time:'H:i' }}{% endonce %}"
    )
    moment = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    with timezone.override("Europe/London"):
        assert template.render(Context({"moment": moment})) == "21:00"
    with timezone.override("Australia/Sydney"):
        assert template.render(Context({"moment": moment})) == "08:00"
