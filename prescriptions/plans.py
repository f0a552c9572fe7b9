"""The one loader of plans: a patient's (or a batch's) plan as one immutable PlanView.

Every surface that needs a plan (the tonight card, My plan, the clinician's plan panel and
patient page, the dashboard list, the reminder sweep and its sender, flags, exports) reads it
here and asks the PlanView, which asks ``titration``, what holds on a night. Nothing else
queries a patient's versions or steps.

A plan spans all of a patient's prescriptions: an ended prescription's versions still say
how each night before its ending was judged, and a new prescription governs from its own
first night on. There is no stored status: "ended" is a version that titration reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import JSONField, Model, Prefetch
from django.db.models.expressions import RawSQL

from ldn_journal.accounts.models import closed_at
from ldn_journal.compiled_queries import CompiledQuery
from prescriptions import titration
from prescriptions.models import Formulation, PlanStep, PlanVersion, Prescription

# The kinds of version that hold the plan only by carrying on a hold signed before them
# (changes._carried_hold): the hold's words (its note, reason) are the hold's own version's.
HOLD_CARRIERS = (
    PlanVersion.Kind.CHANGED,
    PlanVersion.Kind.TEMPLATE,
    PlanVersion.Kind.DOSING_TIME,
)


@dataclass(frozen=True)
class HoldNote:
    """The clinician's note a patient reads under a hold (PlanView.patient_hold_note)."""

    text: str
    # The note was written for the hold as first signed, which a later version has cut
    # short: the card says so rather than letting "until 8 Dec" stand under "until 5 Dec".
    written_for_longer_hold: bool = False


@dataclass(frozen=True)
class SignedHold:
    """A hold of the plan as signed, seen from a night (PlanView.hold_as_signed): its own
    first night, its last (None: no restart signed), whether its nights are a morning
    doser's days, and whether it has begun by that night (False: signed to start later)."""

    first: date
    last: date | None
    morning: bool
    begun: bool = True


@dataclass(frozen=True)
class PlanView:
    """A patient's plan: what every surface asks "what holds on this night?".

    Batch loads (:func:`load_many`) carry only the plain versions and the concentration,
    and patients with identical plans share one value (and so its per-night answers);
    single loads (:func:`load`) also carry the newest prescription and the signed rows.

    Another per-night input (such as a pause while an urgent report is open) belongs here:
    both loaders read it with the versions, it becomes a field of this value, and
    :meth:`on` hands it to ``titration.current_step``, so no surface needs a second loader.
    """

    versions: tuple[titration.PlainVersion, ...] = ()  # oldest first, all prescriptions
    concentration_mg_per_ml: Decimal | None = None  # the newest prescription's, liquid only
    prescription: Prescription | None = None  # the newest prescription, ended or not
    rows: tuple[PlanVersion, ...] = ()  # the newest prescription's signed versions
    history: tuple[PlanVersion, ...] = ()  # every prescription's signed versions, oldest first
    _positions: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def has_plan(self) -> bool:
        return bool(self.versions)

    def on(self, night: date) -> titration.PlanPosition:
        """State, step, dose, volume and dosing time on ``night`` (titration's answer)."""
        position = self._positions.get(night)
        if position is None:
            position = self._positions[night] = titration.current_step(
                self.versions, night, self.concentration_mg_per_ml
            )
        return position

    def status_on(self, night: date) -> str:
        """``on(night).status`` (active, on hold, ...) without building the position, for
        surfaces that read a long run of nights (adherence over a year)."""
        position = self._positions.get(night)
        if position is not None:
            return position.status
        return titration.status_on(self.versions, night)

    def dose_on(self, night: date) -> Decimal | None:
        """``on(night).dose_mg`` without building the position, for surfaces that read a
        long run of nights (the trend chart over a year)."""
        position = self._positions.get(night)
        if position is not None:
            return position.dose_mg
        return titration.prescribed_dose(self.versions, night)

    def next_change(self, night: date) -> titration.NextChange | None:
        """The first night after ``night`` on which the plan asks something else."""
        return titration.next_change(self.versions, night, self.concentration_mg_per_ml)

    def next_dosing_time_switch(self, night: date) -> titration.NextChange | None:
        """The next change after ``night`` that switches between evening and morning dosing
        (steps or holds before it skipped over), or None when none is scheduled."""
        change = self.next_change(night)
        # Each change is a later night and a plan has finitely many: the bound is a guard.
        for _ in range(100):
            if change is None or change.dosing_time_changes:
                return change
            change = self.next_change(change.night)
        return None

    def dosing_times_from(self, night: date) -> tuple[tuple[date, str], ...]:
        """The runs of one dosing time from ``night`` on, as (first night, dosing time): the
        plan's on ``night``, then each switch signed for a later night
        (:meth:`next_dosing_time_switch`), each read from :meth:`dosing_time_on`. With two
        switches signed ahead (mornings from 10 Dec, evenings again from 20 Dec) the Resume
        page named only the first, and a restart after the second read "morning dosing"."""
        runs = [(night, self.dosing_time_on(night))]
        switch = self.next_dosing_time_switch(night)
        # Each switch is a later night and a plan has finitely many: the bound is a guard.
        for _ in range(100):
            if switch is None:
                break
            runs.append((switch.night, self.dosing_time_on(switch.night)))
            switch = self.next_dosing_time_switch(switch.night)
        return tuple(runs)

    def default_restart_step(self, choices: titration.RestartChoices) -> int:
        """The step the Resume form opens on (titration.default_restart_step), from the
        positions every surface reads: after a dated hold, the plan's on the night after
        its last (what the plan page's "Next change" and the report's "restart at" say);
        the dose on the night before the held run."""
        last = titration.hold_last_night(self.versions, choices.night_before + timedelta(days=1))
        after = self.on(last + timedelta(days=1)) if last is not None else None
        return titration.default_restart_step(choices, self.dose_on(choices.night_before), after)

    def held_until(self, night: date) -> date | None:
        """While the plan is on hold on ``night``: its last night, the night before a signed
        restart (titration.hold_last_night); None when no restart is signed or not on hold."""
        if self.status_on(night) != titration.ON_HOLD:
            return None
        return titration.hold_last_night(self.versions, night)

    def hold_as_signed(self, night: date) -> SignedHold | None:
        """The hold the plan as signed keeps from ``night`` on: the one running on it
        (:meth:`status_on`; its first night from :meth:`holds_ahead`, its last from
        :meth:`held_until`), else the first signed to start later (:meth:`first_held_night`);
        None when no hold runs or is signed ahead. What an urgent report's answer says the
        plan does (reports.standing_hold, the clinician's form, the home card's answer): they
        spoke only of a hold running tonight, and "continue as planned" said nothing of a
        hold signed for the nights ahead."""
        if self.status_on(night) == titration.ON_HOLD:
            last = self.held_until(night)
            return SignedHold(
                first=self.holds_ahead(night)[0].first,
                last=last,
                morning=self.dosing_time_on(last or night) == titration.MORNING,
            )
        first = self.first_held_night(night)
        if first is None:
            return None
        last = self.held_until(first)
        return SignedHold(
            first=first,
            last=last,
            morning=self.dosing_time_on(last or first) == titration.MORNING,
            begun=False,
        )

    def hold_over_since(self, night: date, tonight: date) -> bool:
        """Whether the plan has been on hold on a night from ``night`` on (the night an urgent
        report was answered "hold the plan") and is no longer on hold ``tonight``: that hold
        has ended, so a hold signed to start later (:meth:`hold_as_signed`, not begun) is the
        next one, not the answer's. The patient's report page said "Your plan is on hold" of
        a hold that had ended, with another signed for later nights."""
        if self.status_on(tonight) == titration.ON_HOLD:
            return False
        first = self.first_held_night(night)
        return first is not None and first < tonight

    def row_in_effect(self, night: date) -> PlanVersion | None:
        """The signed version governing ``night`` (titration.version_in_effect), of any
        prescription; None when none governs it or the view carries no rows (batch loads)."""
        version = titration.version_in_effect(self.versions, night)
        if version is None or len(self.history) != len(self.versions):
            return None
        # ``history`` and ``versions`` are in one order (see _superseded_by).
        return self.history[self.versions.index(version)]

    def hold_note(self, night: date) -> str:
        """While the plan is on hold on ``night``: the note for the patient the hold that
        holds it was signed with (signed_hold_row); "" otherwise. Not the newest version's:
        with a restart signed, that is the restart, and the paused card showed the restart's
        note in place of the hold's. Nor the note of a steps change or a switch that carries
        the hold on: the card showed "Your dose goes up to 3 mg" under "do not take LDN"."""
        if self.status_on(night) != titration.ON_HOLD:
            return ""
        version = titration.version_in_effect(self.versions, night)
        row = self.signed_hold_row(version) if version is not None else None
        return row.patient_note if row is not None else ""

    def patient_hold_note(self, night: date) -> HoldNote | None:
        """The one answer to which clinician note the patient reads under the hold on
        ``night`` (the home card and My plan): the note of the hold that holds it
        (:meth:`hold_note`) while its nights are as signed, or it was open-ended ("until
        resumed": a restart is what it waited for). When a version signed after it cut it
        short (a Resume before the hold's own last night), that note named nights no longer
        held ("Do not take LDN until 8 Dec" under "up to and including the night of 5 Dec",
        found by exploratory QA): the note of the version that now ends the hold, when it has
        one; else the hold's, marked as written for the hold as first signed. When a later
        version holds the nights after its end (a restart moved later: "Do not take LDN
        until 8 Dec" under "up to and including the night of 9 Dec" told the patient to
        restart a night early), not that note: the later version's own, else none. None
        when there is no note to show, or not on hold."""
        if self.status_on(night) != titration.ON_HOLD:
            return None
        note = self.hold_note(night)
        version = titration.version_in_effect(self.versions, night)
        index = self._hold_row_index(version) if version is not None else None
        if index is None or self._note_waits_for_a_restart(index):
            return HoldNote(note) if note else None
        row = self.history[index]
        last = self.held_until(night)
        if last is not None and last < row.hold_until:
            ends_it = self.row_in_effect(last + timedelta(days=1))
            if ends_it is not None and ends_it.patient_note.strip():
                return HoldNote(ends_it.patient_note)
            if note:
                return HoldNote(note, written_for_longer_hold=True)
        extended_by = self._extended_by(row)
        if extended_by is not None:
            # The nights after the hold's own end are held by a later version (a restart
            # moved later, a hold over it): a note naming that end would bring the restart
            # forward ("until 8 Dec" under a hold until 9 Dec). The later version's own
            # note, written for the dates as they are now; else none.
            own = extended_by.patient_note.strip()
            return HoldNote(extended_by.patient_note) if own and own != note.strip() else None
        return HoldNote(note) if note else None

    def moved_restart_note(self, night: date) -> str:
        """The note a restart moved later keeps for the patient when the clinician writes
        none (changes.resume_change): the note of the hold on ``night`` when it was written
        for a hold until resumed (a restart is what it waited for, so moving it names no
        night the note named); "" for a dated hold's, which may name its end, no longer the
        plan's once the restart moves ("Do not take LDN until 8 Dec" stored on a restart
        moved to 10 Dec). The same rule as :meth:`patient_hold_note`."""
        if self.status_on(night) != titration.ON_HOLD:
            return ""
        version = titration.version_in_effect(self.versions, night)
        index = self._hold_row_index(version) if version is not None else None
        if index is None or not self._note_waits_for_a_restart(index):
            return ""
        return self.history[index].patient_note

    def _note_waits_for_a_restart(self, index: int) -> bool:
        """Whether the note of the signed hold ``history[index]`` was written for a hold
        until resumed, so it names no restart night a later version can move: a hold until
        resumed's own, or one a restart moved later carries from such a hold
        (moved_restart_note: its note is the note of the hold it took over)."""
        for _ in range(len(self.history)):
            row = self.history[index]
            if row.hold_until is None:
                return True
            if row.kind != PlanVersion.Kind.RESUME:
                return False
            taken_over = self._taken_over(index)
            if taken_over is None or self.history[taken_over].patient_note != row.patient_note:
                return False
            index = taken_over
        return False

    def _taken_over(self, index: int) -> int | None:
        """For a restart moved later (``history[index]``: a Resume that holds), the index of
        the signed hold it took the held nights over from: the one holding its first held
        night in the plan as signed before it; None when none did."""
        plain = self.versions[index]
        before = self.signed_by(plain)[:-1]
        version = titration.version_in_effect(before, plain.hold_from)
        if version is None or titration.status_on(before, plain.hold_from) != titration.ON_HOLD:
            return None
        return self._hold_row_index(version)

    def _extended_by(self, row: PlanVersion) -> PlanVersion | None:
        """The signed version that now holds the night after dated hold ``row``'s own last
        night, going on with it: a restart moved later, or a hold signed over its end. Not
        a separate hold signed to begin that night (two holds back to back keep their own
        notes). None when that night is not held."""
        night = row.hold_until + timedelta(days=1)
        if self.status_on(night) != titration.ON_HOLD:
            return None
        version = titration.version_in_effect(self.versions, night)
        index = self._hold_row_index(version) if version is not None else None
        if index is None or self.history[index] is row:
            return None
        later = self.history[index]
        if later.kind == PlanVersion.Kind.HOLD and later.hold_from == night:
            return None
        return later

    def signed_hold_row(self, version: titration.PlainVersion) -> PlanVersion | None:
        """The signed row of the hold that ``version`` (one of ``versions``) holds: its
        own, or, when it only carries the hold on (a steps change, a template or a switch of
        dosing time keeps the hold running or to come on its first night:
        changes._carried_hold), the newest version signed before it, of its prescription,
        that holds from the same first night and is not such a carrier. None when none
        is found or the view carries no rows (batch loads)."""
        index = self._hold_row_index(version)
        return self.history[index] if index is not None else None

    def _hold_row_index(self, version: titration.PlainVersion) -> int | None:
        """Where :meth:`signed_hold_row` finds its row in ``history`` (and ``versions``)."""
        if len(self.history) != len(self.versions):
            return None
        index = next(i for i, plain in enumerate(self.versions) if plain is version)
        if self.history[index].kind not in HOLD_CARRIERS:
            return index
        for earlier in range(index - 1, -1, -1):
            plain, row = self.versions[earlier], self.history[earlier]
            if plain.prescription_index != version.prescription_index:
                break
            if row.kind not in HOLD_CARRIERS and plain.hold_from == version.hold_from:
                return earlier
        return None

    def steps_ahead(self, night: date) -> tuple[titration.Stretch, ...]:
        """The plan from ``night`` on as the patient follows it (titration.plan_ahead):
        tonight's step, the holds and the steps after them, with their nights."""
        return titration.plan_ahead(self.versions, night)

    def signed_by(self, version: titration.PlainVersion) -> tuple[titration.PlainVersion, ...]:
        """The plan as it stood when ``version`` (one of ``versions``) was signed: it and the
        versions signed before it (earlier prescriptions' too), oldest first."""
        key = (version.prescription_index, version.number)
        return tuple(v for v in self.versions if (v.prescription_index, v.number) <= key)

    def steps_as_signed(self, version: titration.PlainVersion) -> tuple[titration.Stretch, ...]:
        """What ``version`` orders from its first night on, as the plan stood when it was
        signed (:meth:`signed_by`): the steps list of the plan page and My plan
        (titration.plan_ahead), each row with its own dosing time. A version's own calendar
        (step_schedule) ignores the holds and switches around it: the FHIR export dated a
        step 5-11 Dec beside its own hold of 5-8 Dec, and a switch to mornings from 7 Dec
        "in the morning from 6 Dec" (found by QA)."""
        return titration.plan_ahead(
            self.signed_by(version), version.effective_night, dosing_times_said=True
        )

    def holds_ahead(self, night: date) -> tuple[titration.Stretch, ...]:
        """The holds running on ``night`` or to come, each signed hold with its own nights,
        as :meth:`steps_ahead` lists them: what the change pages' "Current plan" names.
        The newest version's own hold named only the second of two back to back, and none
        once a restart was signed (the restart has no hold)."""
        return tuple(
            stretch for stretch in self.steps_ahead(night) if stretch.status == titration.ON_HOLD
        )

    def hold_begun_on(self, night: date) -> PlanVersion | None:
        """The signed row of the hold that begins on ``night`` (the plan is on hold then and
        its signed hold's first night is ``night``: :meth:`holds_ahead`), its own version's
        even when a later version carries it (signed_hold_row); None when no hold begins on
        ``night`` or the view carries no rows. What the trend chart marks as a hold, where
        the hold begins, and what makes a hold carried by a change signed before it a change
        that took effect (the chart marked that change a plain one on its own night, and no
        hold at all where the hold began)."""
        holds = self.holds_ahead(night)
        if not holds or holds[0].first != night:
            return None
        return self.signed_hold_row(titration.version_in_effect(self.versions, night))

    def hold_carried_by(self, version: titration.PlainVersion) -> PlanVersion | None:
        """For ``version`` (one of ``versions``), a hold that a version signed from an
        earlier night carries on (changes._carried_hold): the carrying version, which governs
        the hold's first night. The hold's own version governed no night itself, yet its
        hold held its nights as signed (:meth:`hold_begun_on`): the report lists it where it
        begins, and the FHIR export says the carrier carries it. None for any other version,
        or when the view carries no rows."""
        if len(self.history) != len(self.versions):
            return None
        index = next(i for i, plain in enumerate(self.versions) if plain is version)
        night = version.effective_night
        if titration.version_in_effect(self.versions, night) == version:
            return None
        if self.hold_begun_on(night) is not self.history[index]:
            return None
        return self.row_in_effect(night)

    def dosing_time_on(self, night: date) -> str:
        return self.on(night).dosing_time if self.versions else titration.EVENING

    def dosing_time_from(self, night: date) -> str:
        """The dosing time a change signed from ``night`` takes (titration.dosing_time_from):
        :meth:`dosing_time_on`, or the plan's first before it begins."""
        return titration.dosing_time_from(self.versions, night)

    def tonight(self, tz, now: datetime) -> date:
        return titration.tonight(self.versions, tz, now)

    def dosing_time_at(self, tz, now: datetime) -> str:
        """The dosing time of the night the patient is in at ``now``: whether the pages say
        "tonight" or "today" to them."""
        return self.dosing_time_on(self.tonight(tz, now))

    def night_of(self, moment: datetime, tz) -> date:
        """The night ``moment`` belongs to under the dosing time the plan had then (evening or
        morning, the switch days included): titration.tonight as it was at ``moment``, the
        night a dose logged then is filed under. A report, a first entry or anything else
        placed on a night by its moment reads it here, never nights.night_of(..., EVENING)."""
        return titration.tonight(self.versions, tz, moment)

    def night_joined(self, patient) -> date:
        """The night ``patient`` joined in: their sign-up moment placed as any moment is
        (night_of). An evening doser who joined at 09:00 joined in the night before. The
        flags, the clinician's review form and the patient's calendar all start from it."""
        return self.night_of(patient.created_at, patient.tz)

    def record_tonight(self, patient, now: datetime) -> date:
        """The night ``patient``'s record stands at, at ``now``: tonight, or once their
        account was closed (accounts.models.closed_at) the night the closure belongs to
        (night_of). A closed record ends there: no night after it is prescribed, open or
        missed. The one reading of it: the clinician's list row, patient page (calendar,
        chart, stats, adherence), visit report, night page and both exports (the page ran
        to today, every night since the closure a "?", while the CSV stopped at it)."""
        closed = closed_at(patient.user)
        return self.tonight(patient.tz, now if closed is None else min(now, closed))

    def window(self, night: date, tz) -> tuple[datetime, datetime]:
        """The UTC instants of ``night`` under the dosing time the plan had then (the switch
        days included: titration.night_window)."""
        return titration.night_window(self.versions, tz, night)

    @property
    def latest(self) -> titration.PlainVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def latest_row(self) -> PlanVersion | None:
        return self.rows[-1] if self.rows else None

    @property
    def has_ended(self) -> bool:
        """The newest prescription has an ending (from tonight: endings are never scheduled)."""
        return bool(self.versions) and self.versions[-1].ends

    @property
    def open_prescription(self) -> Prescription | None:
        """The prescription a clinician may change: the newest, unless it has ended."""
        return None if self.has_ended else self.prescription

    @property
    def ending(self) -> PlanVersion | None:
        """The signed version that ended the newest prescription, if it has ended."""
        return self.latest_row if self.has_ended else None

    @property
    def newest_versions(self) -> tuple[titration.PlainVersion, ...]:
        """The newest prescription's versions (the plain values of ``rows``)."""
        if not self.versions:
            return ()
        index = self.versions[-1].prescription_index
        return tuple(v for v in self.versions if v.prescription_index == index)

    def first_held_night(self, night: date) -> date | None:
        """The first night from ``night`` on which the plan is on hold, whichever version
        says so (titration.first_held_night): what the plan panel offers "Resume" for."""
        return titration.first_held_night(self.versions, night)

    def resumed_hold(self, night: date, restart: date) -> tuple[date, date | None] | None:
        """The signed hold a restart on ``restart`` ends or cancels, from ``night`` on
        (titration.resumed_hold): what the Resume page names."""
        return titration.resumed_hold(self.versions, night, restart)

    def _superseded_by(self) -> dict[int, PlanVersion]:
        """Each signed version that never took effect (a later one governed its first night
        before it began, so it governed no night), by its index in ``history``, with the
        first later version that did so. ``history`` and ``versions`` are in one order.

        A hold carried by a version signed before its first night (a steps change or a
        switch from an earlier night keeps a hold signed for later: changes._carried_hold)
        holds its nights as signed: it took effect where it begins (:meth:`hold_carried_by`),
        and the report listed it as "replaced before it took effect".

        Only a later version of the same prescription replaces one: an ending from 6 Dec
        took effect though a new prescription begins that night (it governs the night, as
        the newer prescription), and My plan said "Prescription ended — from 6 Dec 2026
        (replaced before it started)" (found by QA)."""
        out = {}
        by_prescription: dict[int, list] = {}
        for plain in self.versions:
            by_prescription.setdefault(plain.prescription_index, []).append(plain)
        for index in range(len(self.history)):
            plain = self.versions[index]
            own = by_prescription[plain.prescription_index]
            if titration.version_in_effect(own, plain.effective_night) == plain:
                continue
            if self.hold_carried_by(plain) is not None:
                continue
            out[index] = next(
                later
                for position, later in enumerate(self.history[index + 1 :], index + 1)
                if self.versions[position].prescription_index == plain.prescription_index
                and self.versions[position].effective_night <= plain.effective_night
            )
        return out

    def replaced_before_effect(self) -> dict[int, PlanVersion]:
        """Each signed version (by its id) that was replaced before it took effect, with the
        version that replaced it (:meth:`_superseded_by`): what My plan marks in its list of
        changes, as the visit report marks it, so a restart that never happened does not
        read as if it did."""
        return {self.history[index].pk: by for index, by in self._superseded_by().items()}

    def changes_between(self, start: date, end: date) -> tuple[PlanVersion, ...]:
        """The signed versions, of every prescription (ended ones too), that take effect on a
        night from ``start`` to ``end``: THE list a range's plan changes are shown from (the
        visit report's table and the trend charts' markers), so the two cannot disagree.
        A version replaced before its first night changed nothing: it is not a change (the
        report lists it apart, :meth:`superseded_between`)."""
        never = self._superseded_by()
        return tuple(
            row
            for index, row in enumerate(self.history)
            if start <= row.effective_night <= end and index not in never
        )

    def upcoming(self, night: date) -> frozenset[int]:
        """The ids of the signed versions still to come on ``night`` (tonight): each takes
        effect on a later night and was not replaced before it does (:meth:`_superseded_by`;
        one replaced is marked so, not as to come). What the plan page's list of versions and
        the visit report's plan table mark "Upcoming": the report stopped at the version in
        force tonight, and a resume, a switch and a hold signed for the days ahead were on
        the plan page only (found by exploratory QA)."""
        never = self._superseded_by()
        return frozenset(
            row.pk
            for index, row in enumerate(self.history)
            if row.effective_night > night and index not in never
        )

    def signed_after(self, night: date) -> tuple[PlanVersion, ...]:
        """The signed versions, of every prescription, whose first night is after ``night``,
        replaced ones too, in the plan page's order (``history``): what is already signed
        ahead of tonight, as the plan page lists it."""
        return tuple(row for row in self.history if row.effective_night > night)

    def superseded_between(self, start: date, end: date, tz) -> tuple[tuple, ...]:
        """(version, the version that replaced it) for each signed version replaced before
        it took effect that a range from ``start`` to ``end`` should show: its first night
        was in the range, or it was signed by the range's end and replaced in or after it
        (a restart signed in the range for a later night, then replaced). Oldest first."""
        out = []
        for index, by in self._superseded_by().items():
            row = self.history[index]
            if start <= row.effective_night <= end or (
                row.effective_night > end
                and self.night_of(row.created_at, tz) <= end
                and self.night_of(by.created_at, tz) >= start
            ):
                out.append((row, by))
        return tuple(out)

    def change_before(self, night: date) -> PlanVersion | None:
        """The version in effect on the night before ``night`` (the plan a range starting on
        ``night`` opens with), of any prescription; None if there is none. The history is in
        (prescription, number) order, so the last one is the one titration picks."""
        earlier = [row for row in self.history if row.effective_night < night]
        return earlier[-1] if earlier else None


NO_PLAN = PlanView()


def _concentration(formulation, concentration):
    return concentration if formulation == Formulation.LIQUID else None


@cache
def _steps_sql() -> str:
    """The steps column's SQL, written once per process: the ORM spelling of the same
    subquery (ArraySubquery of a JSONObject with a Cast) took longer to compile than the
    rest of the plan's query, on every page that reads a plan."""
    quote = connection.ops.quote_name
    step, version = PlanStep._meta, PlanVersion._meta

    def column(name):
        return f"U0.{quote(step.get_field(name).column)}"

    # Names from the models' metadata only: nothing here comes from a request.
    return (
        f"ARRAY(SELECT JSONB_BUILD_OBJECT('id', {column('id')}, 'position', {column('position')}, "  # noqa: S608
        f"'dose_mg', ({column('dose_mg')})::varchar, 'days', {column('days')}) "
        f"FROM {quote(step.db_table)} U0 "
        f"WHERE {column('version')} = {quote(version.db_table)}.{quote(version.pk.column)} "
        f"ORDER BY {column('position')} ASC)"
    )


def _steps_column():
    """A version's steps as one array column (the dose as text: exact, never a float).

    PostgreSQL only (``load`` prefetches elsewhere); the outer table is the versions' own."""
    return RawSQL(_steps_sql(), (), output_field=ArrayField(JSONField()))  # noqa: S611


def _attach_steps(row: PlanVersion) -> None:
    """``row.steps.all()`` answers from the column read with the version, as a prefetch would
    (a prefetch is one more query on every page that reads a plan)."""
    steps = [
        PlanStep(
            id=step["id"],
            version=row,
            position=step["position"],
            dose_mg=Decimal(step["dose_mg"]),
            days=step["days"],
        )
        for step in row.step_rows
    ]
    queryset = row.steps.get_queryset()
    queryset._result_cache, queryset._prefetch_done = steps, True
    row._prefetched_objects_cache = {"steps": queryset}


def _versions(queryset):
    return queryset.select_related("prescription", "author").order_by("prescription_id", "number")


# The one patient's query of ``load`` on PostgreSQL, compiled to SQL once per process (every
# patient page reads a plan; compiling this query took longer than running it).
_ONE_PATIENT = CompiledQuery(
    lambda patient_id: _versions(
        PlanVersion.objects.filter(prescription__patient=patient_id)
    ).annotate(step_rows=_steps_column()),
    -7_000_004,
)


def load(patient, *, arrays=None) -> PlanView:
    """One patient's plan: versions with their prescription, author and steps, in 1 query on
    PostgreSQL (the steps as an array column); elsewhere (the SQLite fallback of `make run`)
    the steps are prefetched, one query more. `arrays` forces a path (tests compare them)."""
    if arrays is None:
        arrays = connection.vendor == "postgresql"

    def versions():
        return _versions(PlanVersion.objects.filter(prescription__patient=patient))

    if arrays:
        patient_id = patient.pk if isinstance(patient, Model) else patient
        if patient_id is not None and connection.vendor == "postgresql":
            rows = _ONE_PATIENT.instances(patient_id)
        else:
            rows = list(versions().annotate(step_rows=_steps_column()))
        for row in rows:
            _attach_steps(row)
    else:
        rows = list(
            versions().prefetch_related(
                Prefetch("steps", queryset=PlanStep.objects.order_by("position"))
            )
        )
    if not rows:
        return NO_PLAN
    index = {pk: i for i, pk in enumerate(sorted({row.prescription_id for row in rows}))}
    versions = tuple(row.as_plain(index[row.prescription_id]) for row in rows)
    newest = rows[-1].prescription
    return PlanView(
        versions=versions,
        concentration_mg_per_ml=_concentration(newest.formulation, newest.concentration_mg_per_ml),
        prescription=newest,
        rows=tuple(row for row in rows if row.prescription_id == newest.pk),
        history=tuple(rows),
    )


_STEP_COLUMNS = (
    "version__prescription__patient_id",
    "version__prescription_id",
    "version_id",
    "version__number",
    "version__effective_night",
    "version__start_date",
    "version__dosing_time",
    "version__hold_from",
    "version__hold_until",
    "version__kind",
    "version__steps_before",
    "version__prescription__formulation",
    "version__prescription__concentration_mg_per_ml",
    "dose_mg",
    "days",
)


def load_many(patient_ids: Sequence[int] | object) -> dict[int, PlanView]:
    """Each patient's plan (1 query for the batch); a patient without one is absent.

    ``patient_ids`` may be a list or anything an ``__in`` filter takes. Patients whose
    plans are identical share one PlanView, so a sweep over thousands of patients on the
    same template computes each night's answer once.
    """
    by_patient: dict[int, dict[int, dict[int, list]]] = defaultdict(lambda: defaultdict(dict))
    for row in (
        PlanStep.objects.filter(version__prescription__patient_id__in=patient_ids)
        .order_by("version__prescription_id", "version__number", "position")
        .values_list(*_STEP_COLUMNS)
    ):
        by_patient[row[0]][row[1]].setdefault(row[2], []).append(row)
    interned: dict[tuple, PlanView] = {}
    views = {}
    for patient_id, prescriptions in by_patient.items():
        newest = prescriptions[max(prescriptions)]
        first_step = next(iter(newest.values()))[0]
        concentration = _concentration(first_step[11], first_step[12])
        shape = (
            concentration,
            tuple(
                (index, steps[0][3:11], tuple((s[13], s[14]) for s in steps))
                for index, prescription_id in enumerate(sorted(prescriptions))
                for steps in prescriptions[prescription_id].values()
            ),
        )
        view = interned.get(shape)
        if view is None:
            view = interned[shape] = PlanView(
                versions=tuple(
                    titration.PlainVersion(
                        number=head[0],
                        effective_night=head[1],
                        start_date=head[2],
                        dosing_time=head[3],
                        hold_from=head[4],
                        hold_until=head[5],
                        ends=head[6] == PlanVersion.Kind.ENDED,
                        restarts=head[6] == PlanVersion.Kind.RESUME,
                        steps_before=head[7],
                        prescription_index=index,
                        steps=tuple(titration.Step(dose_mg=d, days=n) for d, n in steps),
                    )
                    for index, head, steps in shape[1]
                ),
                concentration_mg_per_ml=concentration,
            )
        views[patient_id] = view
    return views
