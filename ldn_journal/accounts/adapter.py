"""allauth adapter: sign-up only through an invitation, with the invited address fixed."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.db import transaction

from . import invitations


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return invitations.invitation_from_session(request) is not None

    def save_user(self, request, user, form, commit=True):
        invitation = invitations.invitation_from_session(request)
        if invitation is None:
            raise PermissionDenied("This invitation is no longer valid.")
        user = super().save_user(request, user, form, commit=False)
        user.role = invitation.role
        user.display_name = form.cleaned_data.get("display_name", "")
        if commit:
            with transaction.atomic():
                user.save()
                try:
                    invitations.accept(invitation.pk, user)
                except invitations.InvitationNoLongerValid:
                    raise PermissionDenied("This invitation has already been used.") from None
            request.session.pop(invitations.SESSION_KEY, None)
        return user
