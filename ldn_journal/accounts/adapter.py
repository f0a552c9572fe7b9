"""allauth adapter: sign-up only through an invitation, with the invited address fixed."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.shortcuts import render
from django.utils import translation

from ldn_journal.accounts import invitations
from ldn_journal.accounts.languages import supported_language


def invitation_no_longer_valid(request):
    return render(request, "accounts/invitation_invalid.html", status=404)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return invitations.invitation_from_session(request) is not None

    def save_user(self, request, user, form, commit=True):
        invitation = invitations.invitation_from_session(request)
        if invitation is None:
            raise ImmediateHttpResponse(invitation_no_longer_valid(request))
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "")
        # The language sign-up was shown in (the browser's) becomes the setting, so emails
        # and notifications, sent with no browser asking, are in it too.
        user.language = supported_language(translation.get_language())
        if commit:
            try:
                invitations.accept(invitation.pk, user)
            except invitations.InvitationNoLongerValid:
                # Used in another tab or browser a moment ago, or revoked meanwhile.
                raise ImmediateHttpResponse(invitation_no_longer_valid(request)) from None
            request.session.pop(invitations.SESSION_KEY, None)
        return user
