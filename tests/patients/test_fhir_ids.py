"""The FHIR export's ids: the batch maker gives exactly the UUIDs stable_id gives."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.rules.fhir_ids import stable_id, stable_ids

SITE = "https://ldn.example.org"


@pytest.mark.parametrize(
    ("kind", "parts"),
    [
        ("dose", (1,)),
        ("score", (12345, "pain")),
        ("score", (7, "scale-3")),
        ("side-effect", (99, "nausea")),
        ("plan", (4, 2)),
        ("patient", ()),
    ],
)
def test_the_batch_maker_gives_the_ids_stable_id_gives(kind, parts):
    assert stable_ids(SITE, kind)(*parts) == stable_id(SITE, kind, *parts)


@given(
    base=st.text(max_size=40),
    kind=st.text(max_size=20),
    parts=st.lists(st.one_of(st.integers(), st.text(max_size=20)), max_size=3),
)
def test_any_site_kind_and_parts_give_the_same_version_5_uuid(base, kind, parts):
    made = stable_ids(base, kind)(*parts)
    assert made == stable_id(base, kind, *parts)
    assert uuid.UUID(made).version == 5
