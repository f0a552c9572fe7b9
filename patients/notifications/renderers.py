"""What reminders and digests say, and whether each should still go out when its turn
comes: the renderers of the reminder and digest kinds (urgent alerts have theirs in
patients.urgent.reports). Registered with the outbox on import (PatientsConfig.ready)."""

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ldn_journal.accounts.languages import speaking_to
from patients.models import NightlyEntry, ReminderDelivery
from patients.notifications.channels.email import EmailMessageParts
from patients.notifications.claims import id_set
from patients.notifications.digest import new_flags_for
from patients.notifications.due import night_state, prefs_of
from patients.notifications.outbox import (
    Rendered,
    Renderer,
    register_renderer,
    site_links,
    unsubscribe_url,
)
from patients.pause import NO_REPORTS, urgent_states
from patients.rules.nights import LAST_NIGHT, MORNING, dosing_window_end, relative_night
from patients.rules.schedule import is_wanted, newest_due, wanted_slots
from prescriptions.plans import NO_PLAN, load_many

Kind = ReminderDelivery.Kind
Channel = ReminderDelivery.Channel


# Written in the recipient's language when rendered (ReminderRenderer.render).
# No dose and no other health data in a reminder (SECURITY.md, boundary 5): an inbox or a
# lock screen shows it to whoever holds the phone; the card behind the link shows the dose.
REMINDER_TEXT = {
    Kind.EVENING: (_("Time for tonight's dose"), _("Tap to log tonight's dose.")),
    Kind.LAST_CALL: (
        _("Last call for tonight's dose"),
        _("There is still time tonight. Tap to log it, or tell us why not."),
    ),
    Kind.MORNING: (
        _("How was your night?"),
        _("Add your sleep, dreams and symptoms for last night."),
    ),
    Kind.MISSED: (
        _("Did you take it last night?"),
        _("Nothing was logged for last night. Log it or tell us why."),
    ),
}


# An evening doser's dose reminders sent after midnight (a last call set for 01:00, or an
# evening reminder held by quiet hours): the card they open reads "Last night", so do they.
AFTER_MIDNIGHT_TEXT = {
    Kind.EVENING: (_("Your dose for last night"), _("Tap to log last night's dose.")),
    Kind.LAST_CALL: (
        _("Last call for last night's dose"),
        _("There is still time before the dosing window ends. Tap to log it, or tell us why not."),
    ),
}


# Morning dosing: the same reminders, said of today's dose.
MORNING_DOSING_TEXT = {
    Kind.EVENING: (_("Time for today's dose"), _("Tap to log today's dose.")),
    Kind.LAST_CALL: (
        _("Reminder: today's dose"),
        _("Not logged yet today. Tap to log it, or tell us why not."),
    ),
    Kind.MISSED: (
        _("Did you take it yesterday?"),
        _("Nothing was logged for yesterday's dose. Log it or tell us why."),
    ),
}


class ReminderRenderer(Renderer):
    """Evening, last call, morning check-in and missed-dose follow-up for a patient."""

    def _plan_state(self, delivery):
        if getattr(delivery, "_plan_state_cache", None) is not None:
            return delivery._plan_state_cache
        delivery._plan_state_cache = self._load_state(delivery)
        return delivery._plan_state_cache

    def prepare(self, deliveries):
        patient_ids = {d.patient_id for d in deliveries if d.patient_id}
        if not patient_ids:
            return
        plans = load_many(id_set(patient_ids))
        urgent = urgent_states(id_set(patient_ids))
        wanted = {(d.patient_id, d.night) for d in deliveries}
        entries = {
            (pid, night): (bool(status), logged is not None)
            for pid, night, status, logged in NightlyEntry.objects.filter(
                patient_id__in=id_set(patient_ids),
                night__in={night for _pid, night in wanted if night is not None},
            ).values_list("patient_id", "night", "status", "morning_logged_at")
            if (pid, night) in wanted
        }
        for d in deliveries:
            d._urgent_cache = urgent.get(d.patient_id, NO_REPORTS)
            if d.patient_id and d.night:
                evening, morning = entries.get((d.patient_id, d.night), (False, False))
                d._plan_state_cache = night_state(
                    plans.get(d.patient_id, NO_PLAN), d.night, evening, morning
                )

    def _load_state(self, delivery):
        plan = load_many([delivery.patient_id]).get(delivery.patient_id, NO_PLAN)
        entry = (
            NightlyEntry.objects.filter(patient_id=delivery.patient_id, night=delivery.night)
            .values_list("status", "morning_logged_at")
            .first()
        )
        evening, morning = (bool(entry[0]), entry[1] is not None) if entry else (False, False)
        return night_state(plan, delivery.night, evening, morning)

    def _urgent(self, delivery):
        if getattr(delivery, "_urgent_cache", None) is None:
            delivery._urgent_cache = urgent_states([delivery.patient_id]).get(
                delivery.patient_id, NO_REPORTS
            )
        return delivery._urgent_cache

    def skip_reason(self, delivery, now):
        patient = delivery.patient
        if not delivery.recipient.is_active:
            return "Account deactivated."
        if delivery.channel == Channel.EMAIL and not patient.remind_by_email:
            return "Email reminders switched off."
        if delivery.channel == Channel.PUSH and not patient.remind_by_push:
            return "Push reminders switched off."
        # The urgent pause is judged again at send time, by its one rule: a report opened
        # after the sweep claimed this reminder still silences it.
        state = replace(self._plan_state(delivery), paused=self._urgent(delivery).paused(now))
        if not is_wanted(delivery.kind, state):
            if state.paused and is_wanted(delivery.kind, replace(state, paused=False)):
                return "Paused: an urgent report is waiting for the clinician."
            return "No longer needed (logged, on hold or no active plan)."
        if self._superseded(delivery, state, now):
            return "Superseded: a later reminder for the night is due."
        if self._calls_time_on_the_window(delivery, state) and self._window_ended_since_due(
            delivery, state, now
        ):
            return "Too late: the dosing window ended before it could be sent."
        return ""

    @staticmethod
    def _calls_time_on_the_window(delivery, state):
        """Whether the reminder is about taking the dose within its window: a last call, and
        a morning doser's dose reminder ("Time for today's dose"). An evening doser's
        evening reminder says "Tap to log last night's dose" after midnight, which stays
        true after the window (the card asks when it was taken)."""
        return delivery.kind == Kind.LAST_CALL or (
            delivery.kind == Kind.EVENING and state.dosing_time == MORNING
        )

    def _window_ended_since_due(self, delivery, state, now):
        """Whether the night's dosing window (nights.dosing_window_end, the journal's rule
        for "taken now") has ended by `now`. Sent late after the window it was calling time
        on, a last call said "There is still time before the dosing window ends". The
        reminders that call time on the window now expire at its end, never due at or
        after it (schedule.slots_for_night); this also holds one claimed with a later expiry
        or due time (before they were: an evening last call stored at 03:00 or 03:30, due
        then and useful for an hour) to the same rule."""
        end = dosing_window_end(
            delivery.night,
            delivery.patient.tz,
            state.dosing_time,
            settings.LDN_MORNING_DOSING_WINDOW_END,
        )
        return end <= now

    def _superseded(self, delivery, state, now):
        """Whether a newer reminder of the delivery's night is due at `now` (its own sending
        overtaken by a backlog or an outage): by the rule that has a late sweep send only
        the newer (schedule.newest_due), on the night's wanted slots as the sweep makes
        them. The newer one is, or will be, claimed and sent: it is still useful whenever
        this one is (its expiry is never earlier)."""
        # The slots do not depend on the channels: none is needed to find them.
        prefs = prefs_of(delivery.patient, has_push_device=False)
        slots = wanted_slots(prefs, ((delivery.night, state),))
        newest = newest_due(slots, now)
        return (
            newest is not None and newest.kind != delivery.kind and newest.due_at > delivery.due_at
        )

    def render(self, delivery, now):
        # The patient's language, whoever (or whatever worker) is sending.
        with speaking_to(delivery.recipient):
            return self._render(delivery, now)

    def _render(self, delivery, now):
        state = self._plan_state(delivery)
        # Worded by the patient's clock when it is sent, not when it was due: a last call
        # due 23:30 and sent at 00:40 (a backlog, a retry) said "tonight" under a card that
        # read "Last night". The card's own reading of the night (relative_night) decides.
        local_today = now.astimezone(delivery.patient.tz).date()
        after_midnight = (
            delivery.kind in AFTER_MIDNIGHT_TEXT
            and relative_night(delivery.night, local_today, state.dosing_time) == LAST_NIGHT
        )
        if after_midnight:
            texts = AFTER_MIDNIGHT_TEXT
        elif state.dosing_time == MORNING:
            texts = MORNING_DOSING_TEXT
        else:
            texts = REMINDER_TEXT
        title, body = texts.get(delivery.kind, REMINDER_TEXT[delivery.kind])
        title, body = str(title), str(body)
        links = site_links(settings.SITE_URL)
        about_the_night_before = delivery.kind in (Kind.MORNING, Kind.MISSED)
        if about_the_night_before:
            # The night it is about, not the home card: a morning doser's card is already
            # today's when yesterday's follow-up comes (it linked there), and an evening
            # doser's is tonight's from noon on.
            path = reverse("journal:night", args=[delivery.night])
            link = settings.SITE_URL + path
        else:
            path, link = links["tonight_path"], links["tonight"]
        context = {
            "title": title,
            "body": body,
            "link": link,
            "kind": delivery.kind,
            "night": delivery.night,
            # The check-in and the missed-dose follow-up are about the night before (last
            # night, or yesterday's morning dose): never headed "tonight".
            "about_the_night_before": about_the_night_before,
            "after_midnight": after_midnight,
            "morning_dosing": state.dosing_time == MORNING,
            "name": delivery.recipient.display_name,
            "settings_url": links["settings"],
        }
        email = None
        if delivery.channel == Channel.EMAIL:
            unsubscribe = unsubscribe_url(delivery.recipient_id, "reminders")
            context["unsubscribe_url"] = unsubscribe
            email = EmailMessageParts(
                subject=title,
                text=render_to_string("patients/email/reminder.txt", context),
                html=render_to_string("patients/email/reminder.html", context),
                unsubscribe_url=unsubscribe,
            )
        push = {
            "title": title,
            "body": body,
            "url": path,
            "tag": f"ldn-{delivery.kind}-{delivery.night}",
        }
        return Rendered(email=email, push=push)


class DigestRenderer(Renderer):
    """A clinician's daily list of new flags on their patients."""

    def _items(self, delivery):
        return new_flags_for(
            delivery.recipient, delivery.due_at - timedelta(days=1), delivery.due_at
        )

    def skip_reason(self, delivery, now):  # noqa: ARG002 - the Renderer interface
        if not delivery.recipient.is_active:
            return "Account deactivated."
        prefs = getattr(delivery.recipient, "clinician_preferences", None)
        if prefs is not None and not prefs.digest_enabled:
            return "Digest switched off."
        return ""

    def render(self, delivery, now):  # noqa: ARG002 - the Renderer interface
        with speaking_to(delivery.recipient):
            return self._render(delivery)

    def _render(self, delivery):
        # No health data in an email: how many patients, and a link behind the login.
        patients = len(self._items(delivery))
        unsubscribe = unsubscribe_url(delivery.recipient_id, "digest")
        summary = ngettext(
            "%(count)s patient on your team has new flags",
            "%(count)s patients on your team have new flags",
            patients,
        ) % {"count": patients}
        context = {
            "summary": summary,
            "patients": patients,
            "link": settings.SITE_URL + reverse("clinic:patients"),
            "unsubscribe_url": unsubscribe,
            "settings_url": settings.SITE_URL + reverse("clinic:digest_settings"),
            "name": delivery.recipient.display_name,
        }
        return Rendered(
            email=EmailMessageParts(
                subject=summary,
                text=render_to_string("patients/email/digest.txt", context),
                html=render_to_string("patients/email/digest.html", context),
                unsubscribe_url=unsubscribe,
            ),
            push=None,
        )


for _kind in (Kind.EVENING, Kind.LAST_CALL, Kind.MORNING, Kind.MISSED):
    register_renderer(_kind, ReminderRenderer())
register_renderer(Kind.DIGEST, DigestRenderer())
