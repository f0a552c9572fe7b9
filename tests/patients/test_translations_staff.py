"""The clinician's and the admin's pages in Spanish and German: no English sentence left
(the same detector as the patient pages, tests/patients/test_translations.py)."""

import re
import zoneinfo
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone, translation

from ldn_journal.accounts import closure, invitations
from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import Role, User
from ldn_journal.local_dates import local_date
from patients.clinic import access_log
from patients.models import NightlyEntry, SideEffect, UrgentReport
from patients.rules import emergency
from patients.templatetags.journal import night_heading, nights_ago
from patients.urgent import reports as urgent
from prescriptions.models import PlanTemplate, PlanVersion
from tests.factories import PatientFactory
from tests.patients.journal_support import NOW, a_year_of_nights, make_plan
from tests.patients.translations_support import (
    LANGUAGES,
    country_options,
    english_left,
    english_words_left,
    pieces,
    render_in,
)
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clinic(patient_a, clinician_a, admin_user):
    """A patient with months of nights (flags, charts), a plan, an open urgent report and an
    answered one, identifiers; a second patient with no plan yet; a plan template; a
    pending invitation; access-log rows of each role about several kinds of record."""
    patient_a.user.display_name = "Quokka"
    patient_a.user.save()
    patient_a.phone = "+44 20 7946 0958"
    patient_a.record_number = "QK-1"
    patient_a.save()
    version = PlanVersion.objects.get(prescription=make_plan(patient_a, clinician_a))
    a_year_of_nights(patient_a, nights=60)
    entry = NightlyEntry.objects.filter(patient=patient_a).order_by("-night").first()
    entry.pain = 9
    entry.notes = "Zzz"
    entry.save()
    SideEffect.objects.create(entry=entry, kind="headache", severity=2)
    report = urgent_report(
        patient_a,
        NOW - timedelta(hours=1),
        symptoms=["vomiting"],
        since="few_hours",
        severity="moderate",
    )
    answered = urgent_report(
        patient_a,
        NOW - timedelta(hours=3),
        symptoms=["vomiting"],
        since="few_hours",
        severity="moderate",
    )
    urgent.acknowledge(answered, clinician_a, "Zzz", NOW - timedelta(hours=2))
    newcomer = PatientFactory(user__display_name="Wombat", clinicians=[clinician_a])
    template = PlanTemplate.objects.first()
    invitations.invite(clinician_a, "kea@example.org", Role.PATIENT)
    record_access(None, "entry.view", patient=patient_a, obj=entry, actor=clinician_a)
    record_access(None, "plan.read", patient=patient_a, obj=version, actor=clinician_a)
    record_access(None, "urgent.admin_read", patient=patient_a, obj=answered, actor=admin_user)
    record_access(None, "login", actor=patient_a.user)
    return patient_a, newcomer, entry, report, template


def clinician_pages(patient, newcomer, entry, report, template):
    pk = patient.pk
    pages = [
        reverse("clinic:patients"),
        reverse("clinic:patient", args=[pk]),
        reverse("clinic:entry_history", args=[pk, entry.pk]),
        reverse("clinic:night", args=[pk, entry.night.isoformat()]),
        reverse("clinic:night", args=[pk, (entry.night + timedelta(days=1)).isoformat()]),
        reverse("clinic:identifiers", args=[pk]),
        reverse("clinic:report", args=[pk]),
        reverse("clinic:plan", args=[pk]),
        reverse("clinic:plan_change", args=[pk]),
        reverse("clinic:plan_hold", args=[pk]),
        reverse("clinic:plan_end", args=[pk]),
        reverse("clinic:plan_dosing_time", args=[pk]),
        reverse("clinic:plan_template_choose", args=[pk]),
        reverse("clinic:prescription_new", args=[newcomer.pk]),
        reverse("clinic:plan", args=[newcomer.pk]),
        reverse("clinic:templates"),
        reverse("clinic:template_new"),
        reverse("clinic:urgent_reports"),
        reverse("clinic:urgent_report", args=[report.pk]),
        reverse("clinic:invite"),
        reverse("clinic:invitations"),
        reverse("clinic:digest_settings"),
        reverse("account_language"),
    ]
    if template is not None:
        pages.append(reverse("clinic:template_edit", args=[template.pk]))
    return pages


def admin_pages(patient):
    answered = UrgentReport.objects.filter(acknowledged_at__isnull=False).first()
    return [
        reverse("manage:people"),
        reverse("manage:invitations"),
        reverse("manage:invite"),
        reverse("manage:care_team"),
        reverse("reminder_failures"),
        reverse("manage:patient_identifiers", args=[patient.pk]),
        reverse("manage:urgent_report", args=[answered.pk]),
        reverse("manage:urgent_unassigned"),
        # Last: the log then holds the admin's own reads beside the fixture's rows.
        reverse("manage:access_log"),
    ]


# Not interface text: the built-in plan templates are clinic data (names and descriptions
# clinicians can edit), shown as stored; so are people's names ("Admin" is one).
def clinic_data():
    return {
        t for template in PlanTemplate.objects.all() for t in (template.name, template.description)
    } | {user.display_name for user in User.objects.all()}


def is_data(text, data):
    """`text` is one of `data`, a piece of one (see english_words_left), or a fragment of
    one: a built-in template's stored English, which its edit form shows as stored, is also
    a catalog message (the other pages show it translated until the clinic edits it)."""
    return text in data or any(text in pieces(item) or text in item for item in data)


def leftovers(client, urls, language):
    """Per page, the English left: sentences (english_left) and short labels
    (english_words_left: "Pain", "From", "Pending", a raw "taken")."""
    data = clinic_data()
    left = {}
    for url in urls:
        translated = render_in(client, url, language)
        english = render_in(client, url, "en")
        found = [
            text
            for text in [
                *english_left(translated, english),
                *english_words_left(translated, english, language),
            ]
            if not is_data(text, data)
        ]
        if found:
            left[url] = found
    return left


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_clinician_page_is_in_the_browsers_language_with_no_english_left(
    clinician_client, clinic, language
):
    assert leftovers(clinician_client, clinician_pages(*clinic), language) == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_admin_page_is_in_the_browsers_language_with_no_english_left(
    admin_client_, clinic, language
):
    assert leftovers(admin_client_, admin_pages(clinic[0]), language) == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_account_closure_pages_are_in_the_browsers_language_with_no_english_left(
    admin_client_, patient_a, clinician_a, language
):
    request = closure.request_closure(patient_a.user, request=None)
    pages = [
        reverse("manage:closures"),
        reverse("manage:closure_complete", args=[request.pk]),
    ]
    assert leftovers(admin_client_, pages, language) == {}
    # Clinician A is patient A's only clinician: the refusal page (409).
    refused = reverse("manage:close_person", args=[clinician_a.pk])
    pages = [admin_client_.get(refused, HTTP_ACCEPT_LANGUAGE=lang) for lang in (language, "en")]
    assert [page.status_code for page in pages] == [409, 409]
    assert english_left(*(page.content.decode() for page in pages)) == []
    closure.close_account(patient_a.user, by=None, request=None)
    completed = reverse("manage:closures") + "?status=completed"
    assert leftovers(admin_client_, [completed], language) == {}


@pytest.mark.parametrize(("language", "heading"), [("es", "Adherencia, "), ("de", "Adhärenz, ")])
def test_the_patient_pages_calendar_heading_is_translated(
    clinician_client, clinic, language, heading
):
    """A heading half in English ("Adherence, marzo de 2026"): the detector above compares
    whole texts, and the translated month made this one differ from the English page."""
    page = render_in(clinician_client, reverse("clinic:patient", args=[clinic[0].pk]), language)
    assert heading in page
    assert "Adherence, " not in page


@pytest.mark.parametrize(
    ("language", "score", "dose"),
    [("es", "Puntuación", "Dosis (mg)"), ("de", "Wert", "Dosis (mg)")],
)
def test_the_trend_charts_axis_titles_are_translated(
    clinician_client, clinic, language, score, dose
):
    """The chart's axes said "Score" and "Dose mg" on every page in every language (SVG text
    the detector above does not read; found by exploratory testing)."""
    for name in ("clinic:patient", "clinic:report"):
        page = render_in(clinician_client, reverse(name, args=[clinic[0].pk]), language)
        assert f">{score}</text>" in page, name
        assert f">{dose}</text>" in page, name
        assert ">Score</text>" not in page, name
        assert ">Dose mg</text>" not in page, name


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_lists_cell_labels_for_narrow_screens_are_translated(
    clinician_client, clinic, language
):
    """Each cell's data-label (shown beside the value when the table stacks on a phone) is
    an attribute: the text detector above does not read attributes."""
    url = reverse("clinic:patients")
    labels = set(re.findall(r'data-label="([^"]+)"', render_in(clinician_client, url, language)))
    english = set(re.findall(r'data-label="([^"]+)"', render_in(clinician_client, url, "en")))
    assert english
    assert labels.isdisjoint(english)


@pytest.mark.parametrize("language", LANGUAGES)
def test_how_long_ago_the_last_entry_was_is_said_in_the_readers_language(
    clinician_client, clinic, language
):
    """The list's "last entry" cell says "(last night)", "(3 nights ago)": two words, too
    short for the sentence detector above, and English on the Spanish and German lists."""
    url = reverse("clinic:patients")
    ago = re.compile(r'<span class="small muted">\(([^)<]+)\)</span>')
    said = ago.findall(render_in(clinician_client, url, language))
    english = ago.findall(render_in(clinician_client, url, "en"))
    assert said
    assert len(said) == len(english)
    assert all(mine != theirs for mine, theirs in zip(said, english, strict=True))
    with translation.override(language):
        assert set(said) <= {nights_ago(count) for count in range(400)}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("count", [0, 1, 2, 5, 21])
def test_nights_ago_is_translated_for_every_count(language, count):
    with translation.override("en"):
        english = nights_ago(count)
    with translation.override(language):
        said = nights_ago(count)
    assert said != english
    assert not re.search(r"\b(night|nights|ago|tonight)\b", said)
    if count > 1:
        assert str(count) in said


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize("days_back", [0, 1])
def test_the_plan_panels_night_heading_is_translated(language, dosing_time, days_back):
    """ "Tonight (29 Nov)" / "Last night (29 Nov)" above the dose on the clinician's plan
    panel, "Today (29 Nov)" / "Yesterday (29 Nov)" for a morning doser."""
    patient = SimpleNamespace(tz=zoneinfo.ZoneInfo("Europe/London"))
    night = timezone.localtime(timezone.now(), patient.tz).date() - timedelta(days=days_back)
    with translation.override("en"):
        english = night_heading(night, patient, dosing_time)
    with translation.override(language):
        said = night_heading(night, patient, dosing_time)
        assert local_date(night, "day_month") in said
    assert said != english
    assert not re.search(r"\b(Tonight|Last|night|Today|Yesterday)\b", said)


# A day and a month written the English way in German: "2 Mär" (German writes "2. Mär").
GERMAN_MONTHS = "Jan|Feb|Mär|Apr|Mai|Jun|Jul|Aug|Sep|Okt|Nov|Dez"
DAY_WITHOUT_ITS_FULL_STOP = re.compile(rf"(?<![\d.:/-])\d{{1,2}} (?:{GERMAN_MONTHS})\b")


def test_every_clinician_page_writes_its_dates_the_german_way(clinician_client, clinic):
    """Days and months come from ldn_journal.local_dates' styles (or charts.day_labels, which
    writes the same), not from English format strings: "2. Mär 2026", never "2 Mär 2026".
    The clinic has an acknowledged report: the visit report writes when it was seen."""
    found = {}
    for url in clinician_pages(*clinic):
        page = render_in(clinician_client, url, "de")
        bad = sorted(set(DAY_WITHOUT_ITS_FULL_STOP.findall(page)))
        if bad:
            found[url] = bad
    assert found == {}
    # The check reads dates: the patient page has German ones with their full stop.
    page = render_in(clinician_client, reverse("clinic:patient", args=[clinic[0].pk]), "de")
    assert re.search(rf"\b\d{{1,2}}\. (?:{GERMAN_MONTHS})\b", page)


@pytest.mark.parametrize(("language", "heading"), [("es", "Noche del "), ("de", "Nacht vom ")])
def test_the_clinicians_night_page_names_the_night_in_the_readers_language(
    clinician_client, clinic, language, heading
):
    """ "Night of Mittwoch, 25. November 2026": the translated date made the English heading
    differ from the English page's, so the sentence detector did not see it."""
    patient, _newcomer, entry, _report, _template = clinic
    url = reverse("clinic:night", args=[patient.pk, entry.night.isoformat()])
    page = render_in(clinician_client, url, language)
    assert heading in page
    assert "Night of" not in page


OBJECT_NAMES = {
    "de": ("Nachteintrag #", "Planversion #", "Dringende Meldung #"),
    "es": ("registro nocturno #", "versión del plan #", "aviso urgente #"),
}
ROLE_NAMES = {
    "de": ("Behandelnde Person", "Administrator", "Patient"),
    "es": ("Profesional sanitario", "Administrador", "Paciente"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_access_log_names_roles_and_kinds_of_record_in_the_readers_language(
    admin_client_, clinic, language
):
    """Its cells showed the stored codes: "clinician", "nightlyentry #602"."""
    page = render_in(admin_client_, reverse("manage:access_log"), language)
    cells = re.findall(r"<td>([^<]*)</td>", page)
    for name in OBJECT_NAMES[language]:
        assert any(cell.startswith(name) for cell in cells), name
    for name in ROLE_NAMES[language]:
        assert name in cells, name
    for code in ("nightlyentry", "planversion", "urgentreport", "clinician", "admin", "patient"):
        assert not [cell for cell in cells if cell.split(" #")[0] == code], code


def test_every_kind_of_record_the_access_log_can_name_has_a_label():
    project = {"accounts", "patients", "prescriptions"}
    kinds = {
        model._meta.model_name
        for model in apps.get_models()
        if model._meta.app_label in project and not model.__name__.startswith("Historical")
    }
    assert kinds <= set(access_log.OBJECT_LABELS)


IDENTIFIER_ERRORS = {
    "de": ("zwischen dem 1. Jan 1900 und heute", "Aktennummer", "Telefonnummer mit 6 bis 15"),
    "es": ("entre el 1 ene 1900 y hoy", "número de historial", "teléfono de 6 a 15 cifras"),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("staff", ["clinician", "admin"])
def test_the_identifiers_forms_refusals_are_in_the_readers_language(
    clinician_client, admin_user, clinic, client, staff, language
):
    patient = clinic[0]
    if staff == "admin":
        client.force_login(admin_user)
        url = reverse("manage:patient_identifiers", args=[patient.pk])
    else:
        url = reverse("clinic:identifiers", args=[patient.pk])
    bad = {"date_of_birth": "1899-12-31", "record_number": "#1", "phone": "12"}
    unreadable = {"date_of_birth": "1990-13-45", "record_number": "", "phone": ""}
    http = clinician_client if staff == "clinician" else client
    pages = [
        [render_in(http, url, code, "post", data) for code in (language, "en")]
        for data in (bad, unreadable)
    ]
    (translated, english), (translated_date, english_date) = pages
    for said in IDENTIFIER_ERRORS[language]:
        assert said in translated, said
    assert "1 Jan 1900" in english
    assert english_left(translated, english) == []
    assert english_words_left(translated, english, language) == []
    assert english_left(translated_date, english_date) == []
    assert "YYYY-MM-DD" in english_date
    assert "YYYY-MM-DD" not in translated_date


@pytest.mark.parametrize(
    ("language", "saved"),
    [("es", "Identificadores de Quokka guardados."), ("de", "Kennungen von Quokka gespeichert.")],
)
def test_saving_identifiers_says_so_in_the_readers_language(
    clinician_client, clinic, language, saved
):
    url = reverse("clinic:identifiers", args=[clinic[0].pk])
    response = clinician_client.post(
        url,
        {"date_of_birth": "1970-01-01", "record_number": "QK-2", "phone": ""},
        follow=True,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert saved in response.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_invitation_form_names_countries_in_the_readers_language_in_its_order(
    clinician_client, clinic, language
):
    # The clinician's: it invites patients (the admin's invites clinicians and admins, and
    # asks no country).
    page = "clinic:invite"
    options = country_options(render_in(clinician_client, reverse(page), language))
    english = country_options(render_in(clinician_client, reverse(page), "en"))
    assert options[0][0] == ""  # "from their time zone" stays first
    named = dict(options)
    assert named["DE"] == {"de": "Deutschland", "es": "Alemania"}[language]
    assert named["AT"] == {"de": "Österreich", "es": "Austria"}[language]
    assert [name for _code, name in options[1:]] == sorted(
        (name for _code, name in options[1:]), key=emergency.collation_key
    )
    assert [code for code, _name in options] != [code for code, _name in english]
    assert sorted(options) != sorted(english)
