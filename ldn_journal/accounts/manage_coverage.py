"""The admin's covering-clinician pages under /manage/coverage/: the list (current, upcoming,
past), a new coverage, and ending one early. Thin: patients.coverage decides and audits."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ldn_journal.accounts.models import Role, User, open_accounts
from ldn_journal.accounts.roles import role_required
from ldn_journal.date_fields import IsoDateField
from ldn_journal.local_dates import local_date
from patients import coverage
from patients.models import Coverage
from patients.rules.coverage import UPCOMING

PAST_SHOWN = 100


def _clinicians():
    # Every clinician, deactivated ones too: choosing one gets a clear "deactivated" message
    # from patients.coverage rather than a bare "not one of the choices". Not a closed one:
    # it never comes back to cover or be covered (listed by its placeholder address).
    return open_accounts(User.objects.filter(role=Role.CLINICIAN)).order_by("display_name", "email")


class DateInput(forms.DateInput):
    input_type = "date"


class CoverageForm(forms.Form):
    covering = forms.ModelChoiceField(
        label=gettext_lazy("Covering clinician"),
        queryset=_clinicians(),
        help_text=gettext_lazy("Sees the other clinician's patients and gets their alerts."),
    )
    covered = forms.ModelChoiceField(label=gettext_lazy("Clinician away"), queryset=_clinicians())
    first_day = IsoDateField(
        label=gettext_lazy("First day"),
        widget=DateInput,
        error_messages={"invalid": gettext_lazy("Enter the day as YYYY-MM-DD.")},
    )
    last_day = IsoDateField(
        label=gettext_lazy("Last day"),
        widget=DateInput,
        error_messages={"invalid": gettext_lazy("Enter the day as YYYY-MM-DD.")},
        help_text=gettext_lazy(
            "Both days are included, as whole days in the clinic's time zone (%(zone)s)."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        help_text=gettext_lazy("For example: annual leave. Shown to administrators only."),
    )

    def __init__(self, *args, now, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        for field in ("covering", "covered"):
            self.fields[field].label_from_instance = _clinician_label
        help_text = self.fields["last_day"].help_text
        self.fields["last_day"].help_text = help_text % {"zone": zone}

    def clean(self):
        data = super().clean()
        found = coverage.problems(
            data.get("covering"),
            data.get("covered"),
            data.get("first_day"),
            data.get("last_day"),
            self.now,
        )
        for field, problems in found.items():
            for problem in problems:
                self.add_error(field or None, problem)
        return data


def _clinician_label(user):
    label = f"{user.name} ({user.email})"
    return label if user.is_active else label + " — " + _("deactivated")


@role_required(Role.ADMIN)
def coverage_list(request):
    groups = coverage.listing(timezone.now())
    return render(
        request,
        "accounts/manage/coverage.html",
        {
            "current": groups["current"],
            "upcoming": groups["upcoming"],
            "past": groups["past"][:PAST_SHOWN],
        },
    )


@role_required(Role.ADMIN)
def coverage_new(request):
    now = timezone.now()
    form = CoverageForm(request.POST or None, now=now, zone=settings.LDN_CLINIC_TIME_ZONE)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = coverage.create(
                covering=data["covering"],
                covered=data["covered"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                reason=data["reason"],
                admin=request.user,
                request=request,
                now=now,
            )
        except coverage.CoverageError as error:  # a change between the form and the save
            for field, problems in error.problems.items():
                for problem in problems:
                    form.add_error(field or None, problem)
        else:
            messages.success(
                request,
                _("%(covering)s covers %(covered)s from %(first)s to %(last)s.")
                % {
                    "covering": created.covering.name,
                    "covered": created.covered.name,
                    "first": local_date(created.first_day, "date"),
                    "last": local_date(created.last_day, "date"),
                },
            )
            return redirect("manage:coverage")
    return render(request, "accounts/manage/coverage_new.html", {"form": form})


@role_required(Role.ADMIN)
@require_POST
def coverage_end(request, pk):
    row = get_object_or_404(Coverage.objects.select_related("covering", "covered"), pk=pk)
    names = {"covering": row.covering.name, "covered": row.covered.name}
    now = timezone.now()
    # A coverage that has not started never covered anyone: "no longer covers" was wrong.
    planned = coverage.phase_of(row, now) == UPCOMING
    if coverage.end_early(row, admin=request.user, request=request, now=now):
        if planned:
            message = _(
                "The planned coverage of %(covered)s by %(covering)s from %(first)s to "
                "%(last)s was cancelled."
            ) % {
                **names,
                "first": local_date(row.first_day, "date"),
                "last": local_date(row.last_day, "date"),
            }
        else:
            message = _("%(covering)s no longer covers %(covered)s.") % names
        messages.success(request, message)
    else:
        messages.info(request, _("That coverage had already ended."))
    return redirect("manage:coverage")
