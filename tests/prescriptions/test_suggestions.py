"""Titration suggestions (a)-(d): pure rules over night facts, each with its evidence."""

import random
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from patients.records import records_within
from patients.rules.wording import english
from patients.templatetags.wording import evidence_rows
from patients.wording import translate
from prescriptions import suggestions as rules
from prescriptions.suggestions import NightFacts, suggestions_for
from prescriptions.titration import PlainVersion, Step, prescribed_dose

D = Decimal
TONIGHT = date(2026, 3, 31)
LAST_NIGHT = TONIGHT - timedelta(days=1)


def night(offset):
    """T-offset: offset 1 is last night."""
    return TONIGHT - timedelta(days=offset)


def plan(start_offset, steps, number=1, **extra):
    start = night(start_offset)
    return PlainVersion(
        number=number,
        effective_night=start,
        start_date=start,
        steps=tuple(Step(D(dose), days) for dose, days in steps),
        **extra,
    )


# Stepped up from 3.0 to 4.5 mg five nights ago (T-5).
STEPPED_UP = [plan(33, [("1.5", 14), ("3.0", 14), ("4.5", None)])]


def taken(offset, **values):
    return NightFacts(night=night(offset), taken=True, dose_mg=D("4.5"), **values)


def kinds(found):
    return [s.kind for s in found]


# --- (a) vivid dreams after a step-up ---------------------------------------------------


def vivid(offset, intensity=7, dreams="vivid"):
    return taken(offset, dreams=dreams, dream_intensity=intensity)


def test_vivid_dreams_on_three_of_the_last_seven_nights_after_a_step_up_suggest_the_previous_dose():
    nights = [vivid(5), vivid(3, dreams="nightmares", intensity=8), vivid(1, intensity=6)]
    [suggestion] = suggestions_for(STEPPED_UP, nights, LAST_NIGHT)
    assert suggestion.kind == rules.VIVID_DREAMS
    assert suggestion.proposed_dose_mg == D("3.0")
    assert "previous dose (3 mg)" in suggestion.title
    assert [e.night for e in suggestion.evidence] == [night(5), night(3), night(1)]
    assert ("Intensity", "8/10") in suggestion.evidence[1].values
    assert suggestion.key == f"step-up-{night(5).isoformat()}"


def skipped(offset, **values):
    return NightFacts(night=night(offset), taken=False, **values)


def unlogged(offset, **values):
    return NightFacts(night=night(offset), **values)


def test_vivid_dreams_on_nights_without_a_dose_do_not_count_towards_the_three():
    """Dreams on a skipped or unlogged night say nothing about the dose (DESIGN.md §1): two
    dosed nights among them counted as four and fired."""
    nights = [
        vivid(5),
        skipped(3, dreams="nightmares", dream_intensity=8),
        unlogged(2, dreams="vivid", dream_intensity=7),
        vivid(1),
    ]
    assert suggestions_for(STEPPED_UP, nights, LAST_NIGHT) == []


def test_vivid_dreams_on_three_dosed_nights_among_undosed_ones_list_only_the_dosed_nights():
    nights = [
        vivid(5),
        skipped(4, dreams="vivid", dream_intensity=9),
        vivid(3, dreams="nightmares", intensity=8),
        unlogged(2, dreams="vivid", dream_intensity=7),
        vivid(1, intensity=6),
    ]
    [suggestion] = suggestions_for(STEPPED_UP, nights, LAST_NIGHT)
    assert [e.night for e in suggestion.evidence] == [night(5), night(3), night(1)]
    assert {dict(e.values)["Dose"] for e in suggestion.evidence} == {"4.5 mg"}
    assert "on 3 of the last 7 nights" in english(suggestion.detail)


@pytest.mark.parametrize(
    ("nights", "why"),
    [
        ([vivid(5), vivid(1)], "only two nights"),
        ([vivid(5), vivid(3, intensity=5), vivid(1)], "one night below intensity 6"),
        ([vivid(5), vivid(3, dreams="normal"), vivid(1)], "normal dreams do not count"),
        ([vivid(6), vivid(5), vivid(3)], "night T-6 is before the step-up"),
    ],
)
def test_vivid_dreams_do_not_fire_without_three_qualifying_nights(nights, why):
    assert suggestions_for(STEPPED_UP, nights, LAST_NIGHT) == [], why


def test_vivid_dreams_more_than_fourteen_days_after_the_step_up_do_not_fire():
    old_step_up = [plan(50, [("1.5", 14), ("3.0", 16), ("4.5", None)])]  # up on T-20
    nights = [vivid(3), vivid(2), vivid(1)]
    assert suggestions_for(old_step_up, nights, LAST_NIGHT) == []


def test_vivid_dreams_without_any_step_up_do_not_fire():
    flat = [plan(40, [("3.0", None)])]
    assert suggestions_for(flat, [vivid(3), vivid(2), vivid(1)], LAST_NIGHT) == []


def test_a_step_up_by_a_new_version_counts_like_a_planned_step():
    versions = [
        plan(40, [("1.5", None)]),
        plan(4, [("3.0", None)], number=2),
    ]
    nights = [vivid(4), vivid(2), vivid(1)]
    [suggestion] = suggestions_for(versions, nights, LAST_NIGHT)
    assert suggestion.proposed_dose_mg == D("1.5")


def restarted_after_a_hold(dose, restart_offset=0):
    """STEPPED_UP, held from T-2 and restarted on T-``restart_offset`` (0: tonight) at
    ``dose`` mg, open-ended."""
    stepped = STEPPED_UP[0]
    hold = PlainVersion(
        number=2,
        effective_night=night(2),
        start_date=stepped.start_date,
        steps=stepped.steps,
        hold_from=night(2),
        hold_until=night(restart_offset + 1),
    )
    return [stepped, hold, plan(restart_offset, [(dose, None)], number=3, restarts=True)]


# Vivid dreams on three nights at 4.5 mg after the step up from 3 mg (T-5), before the hold.
DREAMS_BEFORE_THE_HOLD = [vivid(5), vivid(4), vivid(3)]


@pytest.mark.parametrize("restart_offset", [0, 1])
@pytest.mark.parametrize("dose", ["3.0", "1.5"])
def test_no_return_to_the_previous_dose_is_suggested_when_tonights_dose_is_that_or_lower(
    dose, restart_offset
):
    """Exploratory QA: "Consider returning to the previous dose (2.75 mg)" beside a plan at
    2.75 mg tonight, restarted after a hold at that dose while the dreams still stood."""
    versions = restarted_after_a_hold(dose, restart_offset)
    assert prescribed_dose(versions, TONIGHT) == D(dose)
    assert suggestions_for(versions, DREAMS_BEFORE_THE_HOLD, LAST_NIGHT) == []


def test_a_restart_at_the_dose_stepped_up_to_still_suggests_the_previous_dose():
    versions = restarted_after_a_hold("4.5")
    [suggestion] = suggestions_for(versions, DREAMS_BEFORE_THE_HOLD, LAST_NIGHT)
    assert suggestion.kind == rules.VIVID_DREAMS
    assert suggestion.proposed_dose_mg == D("3.0")


def test_a_step_back_signed_for_tonight_is_not_suggested_again():
    versions = [*STEPPED_UP, plan(0, [("3.0", None)], number=2)]
    assert suggestions_for(versions, DREAMS_BEFORE_THE_HOLD, LAST_NIGHT) == []


@pytest.mark.parametrize("signed_offset", [0, 2])
def test_no_return_is_suggested_when_tonights_dose_lies_between_the_step_ups_two_doses(
    signed_offset,
):
    """Stepped up from 3 to 4.5 mg on T-5, dreams on T-5 to T-3; the clinician then signed
    3.75 mg (tonight, or from T-2). "Consider returning to the previous dose (3 mg)" spoke of
    a step-up that is no longer tonight's dose: the clinician has already acted on it."""
    versions = [*STEPPED_UP, plan(signed_offset, [("3.75", None)], number=2)]
    assert prescribed_dose(versions, TONIGHT) == D("3.75")
    assert suggestions_for(versions, DREAMS_BEFORE_THE_HOLD, LAST_NIGHT) == []


@pytest.mark.parametrize(
    ("tonights_dose", "suggested"),
    [("4.49", False), ("4.5", True), ("5.0", True)],
)
def test_a_return_is_suggested_only_while_tonights_dose_is_at_least_the_stepped_up_dose(
    tonights_dose, suggested
):
    """The boundary: a cent below the 4.5 mg stepped up to is a change already made; the
    stepped-up dose itself, or a further planned step tonight, still asks for the return."""
    stepped = STEPPED_UP[0]
    # 4.5 mg for the five nights T-5 to T-1, then tonight's dose as the plan's next step.
    versions = [
        replace(
            stepped, steps=(*stepped.steps[:2], Step(D("4.5"), 5), Step(D(tonights_dose), None))
        )
    ]
    assert prescribed_dose(versions, TONIGHT) == D(tonights_dose)
    found = suggestions_for(versions, DREAMS_BEFORE_THE_HOLD, LAST_NIGHT)
    assert kinds(found) == ([rules.VIVID_DREAMS] if suggested else [])
    if suggested:
        assert found[0].proposed_dose_mg == D("3.0")


def ended_on(versions, offset, **extra):
    """``versions`` with an ending signed from T-``offset`` (changes.end_change's shape)."""
    latest = versions[-1]
    return [
        *versions,
        PlainVersion(
            number=latest.number + 1,
            effective_night=night(offset),
            start_date=latest.start_date,
            steps=latest.steps,
            hold_from=night(offset),
            ends=True,
            **extra,
        ),
    ]


@pytest.mark.parametrize("ended_offset", [0, 1])
def test_no_return_is_suggested_for_a_plan_that_has_ended(ended_offset):
    """Ended tonight or last night, no dose on any later night: the dreams after the step-up
    still stand, and "Consider returning to the previous dose" asked to dose again."""
    versions = ended_on(STEPPED_UP, ended_offset)
    assert prescribed_dose(versions, TONIGHT) is None
    assert suggestions_for(versions, DREAMS_BEFORE_THE_HOLD, LAST_NIGHT) == []


def test_no_return_is_suggested_before_a_new_prescription_begins():
    """Ended on T-1, a new prescription (1.5 mg) signed to begin on T+3: tonight asks no dose,
    and the step-up was the old prescription's."""
    new = replace(plan(-3, [("1.5", None)]), prescription_index=1)
    versions = [*ended_on(STEPPED_UP, 1), new]
    assert prescribed_dose(versions, TONIGHT) is None
    assert suggestions_for(versions, DREAMS_BEFORE_THE_HOLD, LAST_NIGHT) == []


# --- (b) poor sleep -> morning dosing ----------------------------------------------------


def test_insomnia_or_poor_sleep_on_three_of_seven_nights_suggests_morning_dosing():
    nights = [
        taken(6, side_effects={"insomnia": 1}),
        taken(4, sleep_quality=3),
        taken(2, sleep_quality=2, side_effects={"insomnia": 2}),
    ]
    flat = [plan(60, [("4.5", None)])]
    [suggestion] = suggestions_for(flat, nights, LAST_NIGHT)
    assert suggestion.kind == rules.MORNING_DOSING
    assert suggestion.proposed_dosing_time == "morning"
    assert [e.night for e in suggestion.evidence] == [night(6), night(4), night(2)]
    assert ("Insomnia", "moderate") in suggestion.evidence[2].values


def test_poor_sleep_on_nights_without_a_dose_does_not_count_towards_morning_dosing():
    """Sleep on a skipped or unlogged night says nothing about the evening dose: two dosed
    nights of poor sleep among them counted as four and suggested morning dosing."""
    nights = [
        taken(6, sleep_quality=2),
        skipped(5, sleep_quality=1, side_effects={"insomnia": 3}),
        unlogged(4, sleep_quality=2),
        taken(2, side_effects={"insomnia": 2}),
    ]
    assert suggestions_for([plan(60, [("4.5", None)])], nights, LAST_NIGHT) == []


def test_poor_sleep_on_three_dosed_nights_among_undosed_ones_lists_only_the_dosed_nights():
    nights = [
        taken(6, sleep_quality=2),
        skipped(5, sleep_quality=1),
        taken(4, sleep_quality=3),
        unlogged(3, side_effects={"insomnia": 2}),
        taken(2, side_effects={"insomnia": 2}),
    ]
    [suggestion] = suggestions_for([plan(60, [("4.5", None)])], nights, LAST_NIGHT)
    assert suggestion.kind == rules.MORNING_DOSING
    assert [e.night for e in suggestion.evidence] == [night(6), night(4), night(2)]
    assert "on 3 of the last 7 nights" in english(suggestion.detail)


@pytest.mark.parametrize("quality", [4, 7])
def test_sleep_quality_above_three_is_not_poor_sleep(quality):
    nights = [taken(o, sleep_quality=quality) for o in (3, 2, 1)]
    assert suggestions_for([plan(60, [("4.5", None)])], nights, LAST_NIGHT) == []


def test_patients_already_dosing_in_the_morning_get_no_morning_dosing_suggestion():
    morning = [plan(60, [("4.5", None)], dosing_time="morning")]
    nights = [taken(o, sleep_quality=1) for o in (3, 2, 1)]
    assert suggestions_for(morning, nights, LAST_NIGHT) == []


def test_a_switch_to_morning_dosing_already_signed_for_a_later_night_is_not_suggested_again():
    """Signed from a night still to come, the switch left "Consider morning dosing" and its
    Apply button on the panel until that night (found by exploratory testing)."""
    evening = plan(60, [("4.5", None)])
    switch = PlainVersion(
        number=2,
        effective_night=TONIGHT + timedelta(days=2),
        start_date=evening.start_date,
        steps=evening.steps,
        dosing_time="morning",
    )
    nights = [taken(o, sleep_quality=1) for o in (3, 2, 1)]
    assert [s.kind for s in suggestions_for([evening], nights, LAST_NIGHT)] == [
        rules.MORNING_DOSING
    ]
    assert suggestions_for([evening, switch], nights, LAST_NIGHT) == []


# --- (c) ready for the next step --------------------------------------------------------

# Step 2 (3.0 mg x 14) began T-16 and is complete: the last finite step carries on.
REVIEW_PLAN = [plan(30, [("1.5", 14), ("3.0", 14)])]


def step_nights(count_taken, total=16, **values):
    return [
        NightFacts(night=night(offset), taken=index < count_taken, **values)
        for index, offset in enumerate(range(total, 0, -1))
    ]


def test_a_complete_step_with_good_adherence_and_no_side_effects_is_ready_for_the_next_step():
    [suggestion] = suggestions_for(REVIEW_PLAN, step_nights(13), LAST_NIGHT)
    assert suggestion.kind == rules.NEXT_STEP
    assert "13 of 16 nights taken (81 %)" in suggestion.detail


def _evidence_labels(suggestion):
    return [label for item in suggestion.evidence for label, _value in item.values]


@pytest.mark.parametrize(
    ("language", "said"), [("de", "an 13 von 16 Tagen"), ("es", "13 de 16 días")]
)
def test_a_morning_dosers_complete_step_counts_the_days_taken(language, said):
    """It said "13 of 16 nights taken" and "Nights taken" of a patient dosing in the morning."""
    morning_plan = [plan(30, [("1.5", 14), ("3.0", 14)], dosing_time="morning")]
    [suggestion] = suggestions_for(morning_plan, step_nights(13), LAST_NIGHT)
    assert "13 of 16 days taken (81 %)" in suggestion.detail
    assert "nights" not in suggestion.detail
    assert "Days taken" in _evidence_labels(suggestion)
    assert "Nights taken" not in _evidence_labels(suggestion)
    with translation.override(language):
        assert said in translate(suggestion.detail)
    [evening] = suggestions_for(REVIEW_PLAN, step_nights(13), LAST_NIGHT)
    assert "Nights taken" in _evidence_labels(evening)


@pytest.mark.parametrize(
    ("nights", "why"),
    [
        (step_nights(12), "12 of 16 nights is 75 %"),
        (step_nights(16, side_effects={"headache": 2}), "a moderate side effect"),
        (step_nights(16, side_effects={"nausea": 3}), "a severe side effect"),
    ],
)
def test_no_next_step_without_adherence_or_with_side_effects(nights, why):
    assert suggestions_for(REVIEW_PLAN, nights, LAST_NIGHT) == [], why


def test_mild_side_effects_do_not_block_the_next_step():
    nights = step_nights(16, side_effects={"headache": 1})
    assert kinds(suggestions_for(REVIEW_PLAN, nights, LAST_NIGHT)) == [rules.NEXT_STEP]


def test_a_step_still_under_way_is_not_complete():
    under_way = [plan(20, [("1.5", 14), ("3.0", 14), ("4.5", None)])]  # day 7 of step 2
    assert suggestions_for(under_way, step_nights(6, total=6), LAST_NIGHT) == []


def test_the_next_step_of_the_plan_is_what_apply_proposes():
    # 1.5 mg for 21 nights from T-20: tonight is its last night.
    versions = [plan(20, [("1.5", 21), ("3.0", None)])]
    [suggestion] = suggestions_for(versions, step_nights(20, total=20), LAST_NIGHT)
    assert suggestion.proposed_dose_mg == D("3.0")
    assert suggestion.proposed_step_index == 1


# --- (d) eight weeks at maintenance without enough pain relief --------------------------

MAINTENANCE = [plan(100, [("1.5", 14), ("3.0", 14), ("4.5", None)])]  # 4.5 mg since T-72
FIRST_NIGHT = night(100)


def pain_nights(baseline, recent):
    first = [NightFacts(night=FIRST_NIGHT + timedelta(days=d), pain=baseline) for d in range(14)]
    last = [NightFacts(night=night(d), pain=recent) for d in range(1, 15)]
    return first + last


@pytest.mark.parametrize(
    ("baseline", "recent", "fires"),
    [
        (7, 6, True),  # 14 % better
        (10, 8, True),  # 20 %
        (10, 7, False),  # 30 %: enough
        (7, 3, False),
        (5, 6, True),  # worse
    ],
)
def test_maintenance_for_eight_weeks_with_less_than_30_percent_pain_relief_suggests_a_review(
    baseline, recent, fires
):
    found = suggestions_for(MAINTENANCE, pain_nights(baseline, recent), LAST_NIGHT, FIRST_NIGHT)
    assert kinds(found) == ([rules.REVIEW_BENEFIT] if fires else [])


@pytest.mark.parametrize(
    ("baseline", "recent", "says"),
    [
        (7, 6, ": 14 % better, less than 30 %."),
        (5, 6, ": 20 % worse (the aim is 30 % better)."),
        (6, 6, ": no better (the aim is 30 % better)."),
    ],
)
def test_the_review_says_worse_pain_as_worse_never_as_a_negative_gain(baseline, recent, says):
    [found] = suggestions_for(MAINTENANCE, pain_nights(baseline, recent), LAST_NIGHT, FIRST_NIGHT)
    detail = english(found.detail)
    assert detail.endswith(says)
    assert "-" not in detail.split(":")[-1]


def test_less_than_eight_weeks_at_maintenance_is_too_soon_for_a_review():
    recent_maintenance = [plan(60, [("1.5", 14), ("3.0", 14), ("4.5", None)])]  # T-32
    nights = pain_nights(7, 7)
    assert suggestions_for(recent_maintenance, nights, LAST_NIGHT, night(60)) == []


def test_a_review_needs_pain_scores_to_compare():
    assert suggestions_for(MAINTENANCE, [], LAST_NIGHT, FIRST_NIGHT) == []


# --- dismissals and the pure contract ----------------------------------------------------


def test_a_dismissed_suggestion_is_not_shown_again_for_the_same_evidence():
    nights = [vivid(5), vivid(3), vivid(1)]
    [suggestion] = suggestions_for(STEPPED_UP, nights, LAST_NIGHT)
    dismissed = frozenset({(suggestion.kind, suggestion.key)})
    assert suggestions_for(STEPPED_UP, nights, LAST_NIGHT, dismissed=dismissed) == []


def test_no_plan_means_no_suggestions():
    assert suggestions_for([], [vivid(3), vivid(2), vivid(1)], LAST_NIGHT) == []


def test_nights_needed_covers_the_current_step_and_the_baseline():
    ranges = rules.nights_needed(REVIEW_PLAN, LAST_NIGHT, night(30))
    assert ranges == [(night(16), LAST_NIGHT), (night(30), night(17))]


def test_nights_needed_leaves_out_a_maintenance_step_no_rule_judges():
    """An open-ended last step is never 'complete': a year at maintenance is not read (the
    patient page built a fact per night of it), only the windows and the baseline."""
    year_at_maintenance = [plan(400, [("1.5", 14), ("4.5", None)])]
    ranges = rules.nights_needed(year_at_maintenance, LAST_NIGHT, night(400))
    assert ranges == [(night(14), LAST_NIGHT), (night(400), night(387))]


def _fetched(nights, ranges):
    return [n for n in nights if any(first <= n.night <= last for first, last in ranges)]


def _said(found):
    return [
        (s.kind, s.key, str(s.title), str(s.detail), s.evidence, s.proposed_dose_mg) for s in found
    ]


def _random_night(rng, offset, taken_rate, effect_rate):
    """A night of random facts: taken at ``taken_rate``, a side effect at ``effect_rate``,
    often enough vivid, sleepless or in pain to fire a rule."""
    return NightFacts(
        night=night(offset),
        taken=rng.random() < taken_rate or rng.choice([False, None]),
        dose_mg=rng.choice([None, D("1.5"), D("3.0"), D("4.5")]),
        dreams=rng.choice(["", "none", "normal", "vivid", "nightmares"]),
        dream_intensity=rng.choice([None, rng.randint(0, 10)]),
        sleep_quality=rng.choice([None, rng.randint(0, 10)]),
        side_effects={
            k: rng.randint(1, 3) for k in ("insomnia", "headache") if rng.random() < effect_rate
        },
        pain=rng.choice([None, rng.randint(0, 10)]),
    )


@st.composite
def recent_plans(draw):
    """One to three versions starting within the last 200 nights, steps of 1-40 nights, the
    last step open-ended or not, evening or morning dosing."""
    starts = sorted(draw(st.lists(st.integers(1, 200), min_size=1, max_size=3)), reverse=True)
    versions = []
    for number, offset in enumerate(starts, start=1):
        count = draw(st.integers(1, 4))
        steps = [
            (draw(st.sampled_from(["1.5", "3.0", "4.5"])), draw(st.integers(1, 40)))
            for _ in range(count)
        ]
        if draw(st.booleans()):
            steps[-1] = (steps[-1][0], None)
        versions.append(
            plan(
                offset,
                steps,
                number=number,
                dosing_time=draw(st.sampled_from(["evening", "morning"])),
            )
        )
    return versions


@settings(max_examples=300, deadline=None)
@given(
    versions=recent_plans(),
    first_offset=st.integers(1, 260),
    seed=st.integers(0, 2**32),
    taken_rate=st.sampled_from([0.5, 0.9, 1.0]),
    effect_rate=st.sampled_from([0.0, 0.02, 0.2]),
)
def test_the_nights_needed_give_the_same_suggestions_as_every_night(
    versions, first_offset, seed, taken_rate, effect_rate
):
    """What the plan panel fetches (nights_needed) is all the rules read: the suggestions
    from those nights are the suggestions from every night (260 nights of random facts)."""
    rng = random.Random(seed)
    nights = [_random_night(rng, offset, taken_rate, effect_rate) for offset in range(260, 0, -1)]
    first_night = night(first_offset)
    ranges = rules.nights_needed(versions, LAST_NIGHT, first_night)
    assert _said(suggestions_for(versions, _fetched(nights, ranges), LAST_NIGHT, first_night)) == (
        _said(suggestions_for(versions, nights, LAST_NIGHT, first_night))
    )


# The evidence table's rows as the template loop wrote them before the wording filter did.
EVIDENCE_LOOP = (
    "{% load wording journal %}{% for e in evidence %}\n"
    '            <tr><td>{{ e.night|day:"day" }}</td><td>'
    "{% for label, value in e.values %}{{ label|phrase }}: {{ value|phrase }}"
    "{% if not forloop.last %} · {% endif %}{% endfor %}</td></tr>\n"
    "            {% endfor %}"
)


@pytest.mark.parametrize("language", ["en-gb", "es", "de"])
def test_the_evidence_rows_are_the_html_the_template_loop_wrote(language):
    evidence = (
        rules.Evidence(
            date(2026, 3, 2),
            (
                (rules.gettext_noop("Pain"), rules.gettext_noop("%(score)s/10", score=5)),
                (rules.gettext_noop("Step started"), rules._fmt(Decimal("1.5"))),
                ("<b>plain</b>", "a & b"),
            ),
        ),
        rules.Evidence(date(2026, 3, 3), ((rules.gettext_noop("Dreams"), "Vivid"),)),
        rules.Evidence(date(2026, 3, 4), ()),
    )
    with translation.override(language):
        expected = Template(EVIDENCE_LOOP).render(Context({"evidence": evidence}))
        assert evidence_rows(evidence) == expected


@pytest.mark.parametrize(
    ("language", "nights", "labels"),
    [
        ("en-gb", (date(2025, 12, 4), date(2026, 12, 3)), ["Thu 4 Dec 2025", "Thu 3 Dec 2026"]),
        ("de", (date(2025, 12, 4), date(2026, 12, 3)), ["Do, 4. Dez 2025", "Do, 3. Dez 2026"]),
        ("en-gb", (date(2026, 11, 20), date(2026, 12, 3)), ["Fri 20 Nov", "Thu 3 Dec"]),
    ],
)
def test_evidence_nights_carry_their_year_when_the_table_spans_two(language, nights, labels):
    """A maintenance review compares the first two weeks of treatment (a year back) with the
    last two: without the year, "Thu 4 Dec" 2025 read as this week."""
    evidence = tuple(rules.Evidence(n, ((rules.gettext_noop("Pain"), "5/10"),)) for n in nights)
    with translation.override(language):
        rows = evidence_rows(evidence)
    assert re.findall(r"<tr><td>([^<]*)</td>", rows) == labels


@settings(max_examples=200)
@given(
    offsets=st.sets(st.integers(1, 400), max_size=60),
    ranges=st.lists(st.tuples(st.integers(0, 420), st.integers(0, 60)), max_size=3),
)
def test_records_within_is_the_records_of_the_ranges_oldest_first(offsets, ranges):
    """The panel's bisection picks exactly the nights a look at every night would, once
    each, for ranges that overlap, touch or miss the nights."""
    records = [NightFacts(night=night(offset)) for offset in sorted(offsets, reverse=True)]
    wanted = [(night(start), night(start) + timedelta(days=length)) for start, length in ranges]
    assert records_within(records, wanted) == _fetched(records, wanted)
