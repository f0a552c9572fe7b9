"""allauth adapter: sign-up only through an invitation, with the invited address fixed, and
every emailed link on SITE_URL."""

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.conf import settings
from django.contrib.sites.requests import RequestSite
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from ldn_journal.accounts import invitations, remember
from ldn_journal.accounts.access_log import client_ip
from ldn_journal.accounts.languages import signup_language
from ldn_journal.accounts.models import User


def on_site(url):
    """`url` with its scheme, host and port replaced by SITE_URL's.

    allauth builds links from the request (`request.build_absolute_uri`), whose Host header
    the sender chooses: a forged one would put their server in a reset link mailed to a
    real patient. Only the path, query and fragment are kept.
    """
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    path += f"#{parts.fragment}" if parts.fragment else ""
    return settings.SITE_URL + path


class SiteUrlSite(RequestSite):
    """`current_site` for allauth's email templates: the name and domain of SITE_URL."""

    def __init__(self):
        self.domain = urlsplit(settings.SITE_URL).netloc
        self.name = "LDN Journal"


def invitation_no_longer_valid(request):
    return render(request, "accounts/invitation_invalid.html", status=404)


EMAIL_MAX_LENGTH = 254  # accounts.User.email and EmailAddress.email

UNKNOWN_ACCOUNT_MAIL = "account/email/unknown_account"
DEACTIVATED_ACCOUNT_MAIL = "account/email/account_deactivated"


def deactivated_owner(email):
    """The deactivated (or closed) account that `email` belongs to, or None."""
    return (
        User.objects.filter(
            Q(email__iexact=email)
            | Q(emailaddress__email__iexact=email, emailaddress__verified=True),
            is_active=False,
        )
        .distinct()
        .first()
    )


def _no_account_mail(email, context):
    """What allauth's "Unknown Account" email becomes (a password reset, or a sign-in, for an
    address that no active account uses).

    allauth's invites the reader to sign up, but accounts are made only by invitation; and it
    said "we do not have any record of such an account" to the owner of a deactivated
    account too (found by exploratory QA). The page answers the same in every case (no
    account enumeration); only the address's owner reads the email.
    """
    context = {key: value for key, value in context.items() if key != "signup_url"}
    context["password_reset_url"] = reverse("account_reset_password")
    owner = deactivated_owner(email)
    if owner is None:
        return UNKNOWN_ACCOUNT_MAIL, context, translation.get_language()
    # Written in the owner's language when they chose one (as their other emails).
    return DEACTIVATED_ACCOUNT_MAIL, context, owner.language or translation.get_language()


# allauth says it just before signing the user out; it is read on the sign-in page after.
SIGNED_OUT_MESSAGE = "account/messages/logged_out.txt"


class AccountAdapter(DefaultAccountAdapter):
    def add_message(self, request, level, message_template=None, *args, **kwargs):
        if message_template == SIGNED_OUT_MESSAGE:
            # In the language of the page that shows it (the browser's, nobody is signed in
            # there), not the leaving user's: a German user on an English browser read
            # "Sie haben sich abgemeldet." on the English sign-in page.
            with translation.override(translation.get_language_from_request(request)):
                return super().add_message(request, level, message_template, *args, **kwargs)
        return super().add_message(request, level, message_template, *args, **kwargs)

    def post_login(self, request, user, **kwargs):
        # Every way in passes here (password, passkey, code, sign-up); only the password
        # form set the session's length from "Keep me signed in" (see accounts.remember).
        remember.apply(request.session, remember.remembered(request, user, signup=kwargs["signup"]))
        return super().post_login(request, user, **kwargs)

    def send_mail(self, template_prefix, email, context):
        # The account's own language setting, else the page's (the browser's): a password
        # reset asked from a device in English reached a user who chose Spanish in English.
        language = getattr(context.get("user"), "language", "") or translation.get_language()
        if template_prefix == UNKNOWN_ACCOUNT_MAIL:
            template_prefix, context, language = _no_account_mail(email, context)
        # Every allauth email (reset, confirmation, unknown account, notifications) passes
        # here: its links are named *_url in the context.
        context = {
            key: on_site(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        context["current_site"] = SiteUrlSite()
        with translation.override(language):
            return super().send_mail(template_prefix, email, context)

    def clean_email(self, email):
        # The address column holds 254 characters (RFC 5321's limit): allauth's add-email
        # form has no length limit, and a longer address was a 500 (DataError).
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                gettext("Enter an email address of at most %(limit)s characters.")
                % {"limit": EMAIL_MAX_LENGTH}
            )
        return super().clean_email(email)

    def get_client_ip(self, request):
        # Rate limits, sessions and the access log count the same address (issue 15).
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client's address.")
        return ip

    def format_email_subject(self, subject):
        # The default prefixes the request's host when no prefix is set; ours is set, but
        # this keeps the host out even if it is not.
        return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + str(subject)

    def is_open_for_signup(self, request):
        if invitations.invitation_from_session(request) is not None:
            return True
        if request.session.pop(invitations.SESSION_KEY, None):
            # This browser opened an invitation that is used (in another tab or browser a
            # moment ago), revoked or expired since: say the link no longer works, as a
            # sign-up that meets the used invitation at its lock is told, not the generic
            # "sign-up is by invitation".
            raise ImmediateHttpResponse(invitation_no_longer_valid(request))
        return False

    def save_user(self, request, user, form, commit=True):
        invitation = invitations.invitation_from_session(request)
        if invitation is None:
            raise ImmediateHttpResponse(invitation_no_longer_valid(request))
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "")
        # The language chosen on the sign-up page (it starts at the invitation's, else the
        # page's) becomes the setting, so emails and notifications, sent with no browser
        # asking, are in it too.
        user.language = signup_language(invitation, form.cleaned_data.get("language", ""))
        if commit:
            try:
                invitations.accept(
                    invitation.pk, user, time_zone=form.cleaned_data.get("time_zone") or ""
                )
            except invitations.InvitationNoLongerValid:
                # Used in another tab or browser a moment ago, or revoked meanwhile.
                raise ImmediateHttpResponse(invitation_no_longer_valid(request)) from None
            request.session.pop(invitations.SESSION_KEY, None)
        return user
