"""The clinician list's rows, written in Python (patients.clinic.list_rows), are the same text
the template row and its shared partials wrote, piece by piece and whole, in every language,
over every branch; the other pages write the same pieces through the ``clinic`` tags
(patients/templatetags/clinic.py), checked here against the same partials."""

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from ldn_journal.accounts.models import User
from patients.clinic import attention, dashboard, list_rows
from patients.models import Patient
from patients.rules import adherence as adherence_rules
from patients.rules import flags as flag_rules
from patients.rules.wording import DateWithYear, Label, Phrase
from prescriptions.titration import PlanPosition

LANGUAGES = ("en-gb", "de", "es")

# The row as patient_list.html wrote it with the partials, before list_rows (the last entry
# now named by the patient's word for the night, night_said, as the list writes it; the
# adherence and pain cells' labels in the row's own unit, a morning doser's days; the flags
# cell second, beside the name, so a tablet's narrower table shows it without scrolling).
ROW_TEMPLATE = """{% load i18n journal %}{% for row in page %}
        <tr{% if row.needs_review %} class="needs-review"{% endif %}>
          <th scope="row"><a href="{% url 'clinic:patient' row.patient.pk %}">{{ row.patient.name }}</a>{% if row.patient.access_route == "covering" %} <span class="badge badge-info">{% translate "Covering" %}</span>{% elif row.patient.access_route == "break_glass" %} <span class="badge badge-urgent">{% translate "Emergency access" %}</span>{% endif %}{% include "includes/account_state_badge.html" with person=row.patient.user closed_on=row.closed_on %}
            {% if row.patient.conditions %}<div class="small muted">{{ row.patient.conditions }}</div>{% endif %}</th>
          <td data-label="{% translate "Flags" %}"><div class="cluster flag-badges">
            {% for flag in row.open_flags %}{% include "patients/clinic/_flag_badge.html" %}{% empty %}{% if row.flags %}<span class="badge badge-ok">{% translate "✓ Reviewed" %}</span>{% else %}<span class="muted small">{% translate "None" %}</span>{% endif %}{% endfor %}
          </div></td>
          <td data-label="{% translate "Dose" %}">{% include "patients/clinic/_position.html" with position=row.position %}</td>
          <td data-label="{% translate "Last entry" %}">{% if row.last_entry %}{% night_said row.last_entry row.patient row.position.dosing_time now as said %}{{ row.last_entry|day:"day_month" }}{% if said %} <span class="small muted">({{ said }})</span>{% endif %}{% else %}<span class="muted">{% translate "Never" %}</span>{% endif %}</td>
          <td class="num nowrap" data-label="{% if row.position.dosing_time == "morning" %}{% translate "Adherence 7 / 30 days" %}{% else %}{% translate "Adherence 7 / 30 nights" %}{% endif %}">{% include "patients/clinic/_adherence.html" with a=row.adherence_7 dosing_time=row.position.dosing_time %} / {% include "patients/clinic/_adherence.html" with a=row.adherence_30 dosing_time=row.position.dosing_time %}</td>
          <td data-label="{% translate "Last reviewed" %}">{% if row.patient.reviewed_at %}{{ row.patient.reviewed_by_name|default:row.patient.reviewed_by_email }}, {% patient_time row.patient row.patient.reviewed_at "day_month_time" %}{% else %}<span class="muted small">{% translate "Never" %}</span>{% endif %}</td>
          <td class="sparkline-cell" data-label="{% if row.position.dosing_time == "morning" %}{% translate "Pain, 30 days" %}{% else %}{% translate "Pain, 30 nights" %}{% endif %}">{{ row.sparkline }}</td>
        </tr>
        {% endfor %}"""  # noqa: E501


# The shared partials as they were (templates/patients/clinic/) when the ``clinic`` tags
# replaced them on every page; the adherence figure's percent sign since kept on its line
# (&nbsp;: at 390 px "83 %" wrapped its sign to the next line), and a morning doser's
# tooltip counting days; the on-hold badge's mark since in its own box, as a flag badge's
# (a German "‖ Pausiert" in the list at tablet widths put the mark on a line of its own).
PARTIALS = {
    "patients/clinic/_position.html": '{% load i18n journal %}{% if position.status == "active" %}<strong>{{ position.dose_mg.normalize }} mg</strong> <span class="small muted">{% blocktranslate trimmed with step=position.step_number steps=position.step_total %}step {{ step }} of {{ steps }}{% endblocktranslate %}</span>{% elif position.status == "on_hold" %}<span class="badge badge-severe"><span aria-hidden="true">‖</span> {% translate "On hold" %}</span>{% elif position.status == "not_started" %}<span class="muted">{% blocktranslate trimmed with night=position.next_step_night|day:"day_month" %}Starts {{ night }}{% endblocktranslate %}</span>{% elif position.status == "ended" and position.next_step_night %}<span class="muted">{% blocktranslate trimmed with night=position.next_step_night|day:"day_month" %}No LDN · starts {{ night }}{% endblocktranslate %}</span>{% elif position.status == "ended" %}<span class="muted">{% translate "Prescription ended" %}</span>{% else %}<span class="muted">{% translate "No plan" %}</span>{% endif %}\n',  # noqa: E501
    "patients/clinic/_adherence.html": '{% load i18n %}{% if a.percent is None %}<span class="muted" title="{% if dosing_time == "morning" %}{% translate \'No prescribed days\' %}{% else %}{% translate \'No prescribed nights\' %}{% endif %}">—</span>{% else %}<span title="{% if dosing_time == "morning" %}{% blocktranslate trimmed with taken=a.taken prescribed=a.prescribed %}{{ taken }} of {{ prescribed }} prescribed days{% endblocktranslate %}{% else %}{% blocktranslate trimmed with taken=a.taken prescribed=a.prescribed %}{{ taken }} of {{ prescribed }} prescribed nights{% endblocktranslate %}{% endif %}">{{ a.percent }}&nbsp;%</span>{% endif %}\n',  # noqa: E501
    "patients/clinic/_flag_badge.html": '{% load i18n wording %}{% if flag.report_id %}<a class="flag-link" href="{% url \'clinic:urgent_report\' flag.report_id %}">{% endif %}<span class="badge {{ flag.badge }}{% if reviewed %} badge-reviewed{% endif %}" title="{% translate flag.severity_label %}: {{ flag.explanation|phrase }}"><span aria-hidden="true">{{ flag.icon }}</span> {% translate flag.label %}{% if reviewed %} <span class="small">{% translate "(reviewed)" %}</span>{% endif %}</span>{% if flag.report_id %}</a>{% endif %}\n',  # noqa: E501
}


def _reference_engine():
    """The project's engine (its libraries and builtins) with the partials above."""
    base = engines["django"].engine
    return Engine(
        dirs=base.dirs,
        loaders=[
            ("django.template.loaders.locmem.Loader", PARTIALS),
            "django.template.loaders.filesystem.Loader",
            "django.template.loaders.app_directories.Loader",
        ],
        libraries=base.libraries,
        builtins=base.builtins,
    )


REFERENCE = _reference_engine()


def render(source, **context):
    return engines["django"].from_string(source).render(context)


def reference(source, **context):
    return REFERENCE.from_string(source).render(Context(context))


def include(name, **context):
    return reference(f'{{% include "patients/clinic/{name}" %}}', **context)


def position(status, **kwargs):
    values = {
        "night": date(2026, 3, 30),
        "dose_mg": None,
        "step_index": None,
        "step_count": 4,
        "day_in_step": None,
        "next_step_night": None,
        "next_dose_mg": None,
        "version_number": None,
        "dosing_time": "evening",
        "hold_until": None,
    }
    return PlanPosition(status=status, **{**values, **kwargs})


POSITIONS = [
    position(
        "active",
        dose_mg=Decimal("4.50"),
        step_index=2,
        step_count=5,
        step_number=3,
        step_total=5,
        day_in_step=3,
    ),
    # Restarted at step 2 of 3 (titration.PlainVersion.steps_before): the plan's numbers.
    position(
        "active",
        dose_mg=Decimal("3.00"),
        step_index=0,
        step_count=2,
        step_number=2,
        step_total=3,
        day_in_step=1,
    ),
    position(
        "active",
        dose_mg=Decimal("1500"),
        step_index=0,
        step_count=1234,
        step_number=1,
        step_total=1234,
        day_in_step=1,
    ),
    position("on_hold", hold_until=date(2026, 4, 2)),
    position("not_started", next_step_night=date(2026, 5, 1)),
    position("no_plan", step_count=0),
    position("ended", ended_on=date(2026, 3, 1)),
    # A later prescription signed whose steps begin on a later night (titration.current_step).
    position(
        "ended",
        ended_on=date(2026, 3, 1),
        next_step_night=date(2026, 4, 6),
        next_dose_mg=Decimal("1.50"),
    ),
]

ADHERENCES = [
    adherence_rules.Adherence(7, 0, 0),
    adherence_rules.Adherence(7, 5, 7),
    adherence_rules.Adherence(30, 1234, 1500),
]


def flag(kind, severity, explanation, report_id=None):
    night = date(2026, 3, 28)
    return flag_rules.Flag(
        kind=kind,
        severity=severity,
        first_night=night,
        evidence=(night,),
        explanation=explanation,
        report_id=report_id,
    )


FLAGS = [
    flag(
        flag_rules.MISSED,
        flag_rules.HIGH,
        Phrase(
            "%(count)s night in a row without a taken dose (%(parts)s), %(first)s to %(last)s.",
            {
                "count": 3,
                "parts": (Decimal("1.5"), Decimal("3.0")),
                "first": date(2026, 3, 26),
                "last": DateWithYear(2026, 3, 28),
            },
            plural="%(count)s nights in a row without a taken dose (%(parts)s), %(first)s to "
            "%(last)s.",
            count=3,
        ),
    ),
    flag(
        flag_rules.SIDE_EFFECT,
        flag_rules.MEDIUM,
        Phrase(
            "Severe %(effect)s on %(count)s night, last %(last)s.",
            {"effect": Label("Vivid dreams", lower=True), "count": 1, "last": date(2026, 3, 1)},
        ),
    ),
    flag(
        flag_rules.URGENT,
        flag_rules.TOP,
        Phrase("<b>not</b> a msgid & %(at)s", {"at": datetime(2026, 3, 1, 22, 5, tzinfo=UTC)}),
        report_id=42,
    ),
    flag(flag_rules.QUIET, flag_rules.LOW, "A plain <string> & 'quotes'"),
]


@pytest.fixture(params=LANGUAGES)
def language(request):
    with translation.override(request.param):
        yield request.param


def test_position_as_the_partial(language):
    for pos in POSITIONS:
        expected = include("_position.html", position=pos)
        assert list_rows.position_html(pos) == expected, pos
        assert render("{% load clinic %}{% plan_position p %}", p=pos) == expected, pos


def test_adherence_as_the_partial(language):
    for a in ADHERENCES:
        expected = include("_adherence.html", a=a)
        assert list_rows.adherence_html(a) == expected, a
        assert render("{% load clinic %}{% adherence a %}", a=a) == expected, a
        for dosing_time in ("evening", "morning"):
            expected = include("_adherence.html", a=a, dosing_time=dosing_time)
            assert list_rows.adherence_html(a, dosing_time) == expected, (a, dosing_time)
            tag = "{% load clinic %}{% adherence a dosing_time %}"
            assert render(tag, a=a, dosing_time=dosing_time) == expected, (a, dosing_time)


def test_a_morning_dosers_adherence_tooltip_counts_days():
    """It said "5 of 7 prescribed nights" and "No prescribed nights" of a morning doser."""
    none, some = ADHERENCES[0], ADHERENCES[1]
    assert 'title="No prescribed days"' in list_rows.adherence_html(none, "morning")
    assert 'title="5 of 7 prescribed days"' in list_rows.adherence_html(some, "morning")
    assert 'title="5 of 7 prescribed nights"' in list_rows.adherence_html(some, "evening")
    with translation.override("de"):
        assert "Tage" in list_rows.adherence_html(some, "morning")
    with translation.override("es"):
        assert "días" in list_rows.adherence_html(some, "morning")


def test_the_lists_remembered_adherence_keeps_morning_and_evening_apart():
    """The memo is keyed by the figures: an evening doser's "5 of 7 prescribed nights" is
    not a morning doser's with the same figures."""
    morning = dataclasses.replace(POSITIONS[0], dosing_time="morning")
    rows = [
        _row(_patient(n, name, reviewed_at=None), pos, [], None, None, 0, [])
        for n, name, pos in ((1, "Ann", POSITIONS[0]), (2, "Bo", morning), (3, "Cy", POSITIONS[0]))
    ]
    ann, bo, cy = list_rows.rows_html(rows)
    assert "5 of 7 prescribed nights" in ann
    assert "prescribed days" not in ann
    assert "5 of 7 prescribed days" in bo
    assert "prescribed nights" not in bo
    assert "5 of 7 prescribed nights" in cy
    assert "prescribed days" not in cy


def test_adherence_keeps_its_percent_sign_on_the_line():
    html = list_rows.adherence_html(adherence_rules.Adherence(30, 25, 30))
    assert ">83&nbsp;%</span>" in html


def test_flag_badge_as_the_partial(language):
    for f in FLAGS:
        expected = include("_flag_badge.html", flag=f)
        assert list_rows.flag_badge_html(f) == expected, f
        assert render("{% load clinic %}{% flag_badge f %}", f=f) == expected, f
        reviewed = include("_flag_badge.html", flag=f, reviewed=True)
        assert "badge-reviewed" in reviewed
        assert list_rows.flag_badge_html(f, reviewed=True) == reviewed, f
        assert render("{% load clinic %}{% flag_badge f reviewed=True %}", f=f) == reviewed, f


# What templates/patients/clinic/_patient_time.html wrote, included once per moment until the
# patient_time tag (patients.templatetags.journal) replaced it on every page; without the
# newline its file ended in, which put a space before a ")" after the moment.
PATIENT_TIME_PARTIAL = (
    "{% load tz journal %}{% timezone patient.time_zone %}"
    "<time datetime=\"{{ moment|date:'c' }}\">{{ moment|day:style }} "
    '<abbr class="tz" title="{{ patient.time_zone }}">{{ moment|date:"T" }}</abbr></time>'
    "{% endtimezone %}"
)


def test_patient_time_as_the_partial(language):
    patient = Patient(time_zone="America/New_York")
    moment = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # the night the clocks change there
    for style in ("day_month_time", "date_time", "day_time", "day_date_time"):
        context = {"patient": patient, "moment": moment, "style": style}
        expected = render(PATIENT_TIME_PARTIAL, **context)
        assert list_rows.patient_time_html(patient, moment, style) == expected
        tag = "{% load journal %}{% patient_time patient moment style %}"
        assert render(tag, **context) == expected
    # No moment: nothing (localtime(None) would be the time now).
    assert render(tag, patient=patient, moment=None, style="date_time") == ""


def _patient(pk, name, active=True, **attrs):
    user = User(email=f"p{pk}@example.org", display_name=name, is_active=active)
    patient = Patient(pk=pk, user=user)
    for key, value in attrs.items():
        setattr(patient, key, value)
    return patient


def _row(patient, pos, flags, reviewed_through, last_entry, silent, pain):
    return dashboard.PatientRow(
        patient=patient,
        today=date(2026, 3, 30),
        position=pos,
        last_entry=last_entry,
        nights_silent=silent,
        adherence_7=ADHERENCES[1],
        adherence_30=ADHERENCES[0],
        flags=flags,
        open_flags=flag_rules.unreviewed(flags, reviewed_through),
        reviewed_through=reviewed_through,
        sparkline=dashboard.pain_sparkline(pain),
        pain=pain,
    )


# 09:00 in London on 30 Mar 2026: the rows' last entries are last night and 29 nights ago.
LISTED_AT = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_rows_as_the_template_row(language):
    reviewed = {
        "reviewed_at": datetime(2026, 3, 29, 23, 30, tzinfo=UTC),
        "reviewed_by_name": "",
        "reviewed_by_email": "dr@example.org",
    }
    rows = [
        _row(
            _patient(1, "Ann <O'Neil> & Co", conditions="Fibromyalgia & <pain>", **reviewed),
            POSITIONS[0],
            [*FLAGS, FLAGS[0]],  # a badge written twice on one page is the same text
            None,
            date(2026, 3, 29),
            1,
            [3, None, 4.5, 7],
        ),
        _row(
            _patient(
                2,
                "",
                access_route="covering",
                time_zone="Asia/Kolkata",
                reviewed_at=datetime(2026, 3, 29, 23, 30, tzinfo=UTC),
                reviewed_by_name="Dr Who",
                reviewed_by_email="who@example.org",
            ),
            POSITIONS[2],
            FLAGS[:1],
            date(2026, 3, 30),  # reviewed: no open flag
            None,
            0,
            [],
        ),
        _row(
            _patient(3, "Bo", access_route="break_glass", reviewed_at=None),
            POSITIONS[3],
            [],
            None,
            date(2026, 3, 1),
            29,
            [None, None],
        ),
        _row(_patient(4, "Cy", access_route=""), POSITIONS[4], [], None, date(2026, 3, 30), 0, []),
        # A deactivated account, covered: both badges.
        _row(
            _patient(6, "Ed", access_route="covering", reviewed_at=None, active=False),
            POSITIONS[0],
            [],
            None,
            date(2026, 3, 20),
            10,
            [],
        ),
        _row(
            _patient(5, "Di", reviewed_at=None),
            dataclasses.replace(POSITIONS[0], dosing_time="morning"),
            [],
            None,
            date(2026, 3, 29),
            1,
            [],
        ),
    ]
    expected = reference(ROW_TEMPLATE, page=rows, now=LISTED_AT)
    written = "".join(
        f"\n        {html}\n        " for html in list_rows.rows_html(rows, LISTED_AT)
    )
    assert written == expected


def _state(flags):
    """The flags' stored JSON text, as the list reads it (attention.stored_row)."""
    return json.dumps([attention._flag_state(f) for f in flags])


def test_rows_read_from_stored_text_are_written_as_fresh_rows(language):
    """A flags cell remembered by the stored text of the flags is the text the row's own
    flags write, in each language, reviewed or not, whatever was written before."""
    patient = _patient(1, "Ann", reviewed_at=None)
    for reviewed_through in (None, date(2026, 3, 29), date(2026, 3, 1)):
        for flags in ([], FLAGS, FLAGS[1:2], FLAGS[3:]):
            fresh = _row(patient, POSITIONS[0], flags, reviewed_through, None, 0, [])
            stored = dataclasses.replace(fresh, flags_state=_state(flags))
            assert list_rows.rows_html([stored]) == list_rows.rows_html([fresh])
            assert list_rows.rows_html([stored]) == list_rows.rows_html([fresh])  # remembered


def test_equal_flags_written_differently_are_remembered_apart():
    """Decimal("1.0") equals Decimal("1.00") and a phrase equals its English text, yet they
    are written differently: the memo's key is the stored text, not an equality."""
    patient = _patient(1, "Ann", reviewed_at=None)

    def written(value, language):
        explanation = Phrase("Dose %(dose)s.", {"dose": value})
        flags = [flag(flag_rules.DEVIATION, flag_rules.MEDIUM, explanation)]
        row = _row(patient, POSITIONS[0], flags, None, None, 0, [])
        with translation.override(language):
            return list_rows.rows_html([dataclasses.replace(row, flags_state=_state(flags))])[0]

    assert "Dose 1.0." in written(Decimal("1.0"), "en-gb")
    assert "Dose 1.00." in written(Decimal("1.00"), "en-gb")
    assert "Dose 1,00." in written(Decimal("1.00"), "de")
    assert "Dose 1.00." in written("1.00", "de")  # plain text is not a number
