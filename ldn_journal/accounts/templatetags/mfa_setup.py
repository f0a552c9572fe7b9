"""Whether the signed-in user still has to set up the second factor their role requires."""

from django import template

from ldn_journal.accounts.middleware import mfa_required_for, user_has_mfa

register = template.Library()


@register.simple_tag(takes_context=True)
def mfa_setup_due(context):
    user = getattr(context.get("request"), "user", None)
    return bool(
        user is not None
        and user.is_authenticated
        and mfa_required_for(user)
        and not user_has_mfa(user)
    )
