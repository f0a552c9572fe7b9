"""{% url %} answered from ldn_journal.url_memo's cache writes the links Django's tag writes."""

from datetime import date

import pytest
from django.template import Context, Engine, Template, engines
from django.template.defaulttags import URLNode
from django.urls import NoReverseMatch, reverse, set_script_prefix

from ldn_journal import url_memo


@pytest.fixture(autouse=True)
def _fresh_cache():
    url_memo._remembered.cache_clear()
    yield
    url_memo._remembered.cache_clear()
    set_script_prefix("/")


def project_template(text):
    """A template of the project's engine (settings.TEMPLATES, with its builtins)."""
    return engines["django"].from_string(text)


def test_the_projects_templates_use_the_remembering_tag():
    template = project_template("{% url 'clinic:patient' 5 %}")
    [node] = template.template.nodelist
    assert type(node) is url_memo.RememberedURLNode


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("{% url 'clinic:patient' 5 %}", "clinic:patient", [5]),
        ("{% url 'clinic:patient' pk %}", "clinic:patient", [7]),
        ("{% url 'clinic:night' pk night %}", "clinic:night", [7, "2026-12-01"]),
        ("{% url 'clinic:plan_version' patient_id=pk version_id=9 %}", "clinic:plan_version", None),
        ("{% url 'journal:home' %}", "journal:home", []),
    ],
)
def test_each_link_is_the_one_django_writes_the_first_time_and_after(text, name, args):
    context = {"pk": 7, "night": "2026-12-01"}
    django_engine = Engine(libraries={})  # Django's own {% url %}
    expected = Template(text, engine=django_engine).render(Context(context))
    if args is not None:
        assert expected == reverse(name, args=args)
    first = project_template(text).render(context)
    again = project_template(text).render(context)
    assert first == again == expected
    assert url_memo._remembered.cache_info().hits >= 1


def test_another_argument_is_another_link():
    template = project_template("{% url 'clinic:patient' pk %}")
    assert template.render({"pk": 1}) == "/clinic/patients/1/"
    assert template.render({"pk": 2}) == "/clinic/patients/2/"
    assert template.render({"pk": 1}) == "/clinic/patients/1/"


def test_the_script_prefix_is_part_of_the_answer():
    template = project_template("{% url 'clinic:patient' 3 %}")
    assert template.render({}) == "/clinic/patients/3/"
    set_script_prefix("/ldn/")
    assert template.render({}) == "/ldn/clinic/patients/3/"
    set_script_prefix("/")
    assert template.render({}) == "/clinic/patients/3/"


def test_a_name_that_does_not_reverse_still_raises_or_leaves_the_variable_empty():
    with pytest.raises(NoReverseMatch):
        project_template("{% url 'clinic:patient' 'not-a-number' %}").render({})
    text = "{% url 'clinic:nowhere' as link %}[{{ link }}]"
    assert project_template(text).render({}) == "[]"


def test_as_variable_and_escaping_are_djangos():
    text = "{% url 'clinic:patient' 4 as link %}<a href='{{ link }}'>"
    assert project_template(text).render({}) == "<a href='/clinic/patients/4/'>"


@pytest.mark.parametrize(
    "value",
    [True, object(), [1], 1.5],
    ids=["bool (equals 1 as a key)", "an object", "a list", "a float"],
)
def test_only_plain_arguments_are_remembered(value):
    assert not url_memo._plain(value)


@pytest.mark.parametrize("value", [1, "a", date(2026, 12, 1)])
def test_plain_arguments_are_remembered(value):
    assert url_memo._plain(value)


def test_a_model_instance_is_reversed_from_its_text_each_time(monkeypatch):
    """A link built from str() of an object: never answered from the cache."""

    class Night:
        text = "2026-12-01"

        def __str__(self):
            return self.text

        def __eq__(self, other):
            return isinstance(other, Night)

        def __hash__(self):
            return 1

    night = Night()
    template = project_template("{% url 'clinic:night' 1 night %}")
    assert template.render({"night": night}) == "/clinic/patients/1/nights/2026-12-01/"
    night.text = "2026-12-02"
    assert template.render({"night": night}) == "/clinic/patients/1/nights/2026-12-02/"
    assert url_memo._remembered.cache_info().currsize == 0


def test_true_is_not_answered_with_the_link_of_1():
    template = project_template("{% url 'clinic:night' 1 value %}")
    assert template.render({"value": 1}) == "/clinic/patients/1/nights/1/"
    assert template.render({"value": True}) == "/clinic/patients/1/nights/True/"


def test_djangos_node_is_what_the_tag_subclasses():
    assert issubclass(url_memo.RememberedURLNode, URLNode)
