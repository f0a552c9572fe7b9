"""gunicorn's settings file: workers are recycled at staggered times and freeze their start-up
objects out of the garbage collector's way. Needs no Django settings beyond the tests'."""

import gc

import pytest

from ldn_journal import gunicorn_conf


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_workers_are_replaced_after_a_bounded_number_of_requests_at_staggered_times():
    assert gunicorn_conf.max_requests > 0
    assert 0 < gunicorn_conf.max_requests_jitter < gunicorn_conf.max_requests


def test_a_started_worker_moves_its_start_up_objects_out_of_the_collectors_way(unfrozen):
    assert gc.get_freeze_count() == 0
    gunicorn_conf.post_worker_init(None)
    assert gc.get_freeze_count() > 1000


def test_the_freeze_can_be_switched_off_to_measure_what_it_buys(unfrozen, monkeypatch):
    monkeypatch.setenv("GUNICORN_GC_FREEZE", "false")
    gunicorn_conf.post_worker_init(None)
    assert gc.get_freeze_count() == 0


def test_a_misspelt_freeze_switch_is_refused_rather_than_read_as_off(monkeypatch):
    monkeypatch.setenv("GUNICORN_GC_FREEZE", "nope")
    with pytest.raises(ValueError, match="GUNICORN_GC_FREEZE"):
        gunicorn_conf.gc_freeze_enabled()
