"""`{% once %}`: a part of the base layout that is the same for every reader in a language,
rendered once per process and then reused (issue 19).

Every page repeats the same head, skip link, footer and tab bar; rendering them (the hashed
static paths, the reversed URLs, a dozen translations) cost about as much as a patient's
whole tonight card. ``{% once name=value ... %}...{% endonce %}`` renders its body in a
context that holds **only** the values it names, so it cannot show anything else of the
request or the reader: whatever else it would read renders empty, for everyone alike. The
result is kept per language, time zone, URL prefix, rendering switches (autoescaping,
localization) and named values (which must be hashable), at most ``VARIANTS`` of them per
fragment (a few hundred bytes to a couple of kilobytes each); a new one past that replaces
the oldest.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.template.base import Node
from django.urls import get_script_prefix
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

register = template.Library()

VARIANTS = 256

# Bumped when a setting changes (tests override settings; a deployed process never does): a
# fragment kept under the old settings (a static URL, the languages) is not reused.
_generation = 0


@receiver(setting_changed)
def _settings_changed(**_kwargs):
    global _generation
    _generation += 1


class OnceNode(Node):
    def __init__(self, nodelist, values):
        self.nodelist = nodelist
        self.values = values
        # A template is parsed once per process (the cached loader), and its nodes with it;
        # in development each parse starts a new node, and so a new memo.
        self.memo = {}

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.values.items()}
        key = (
            _generation,
            get_language(),
            get_current_timezone_name(),
            get_script_prefix(),
            context.autoescape,
            context.use_l10n,
            context.use_tz,
            *values.items(),
        )
        try:
            return self.memo[key]
        except KeyError:
            pass
        except TypeError as error:
            raise template.TemplateSyntaxError(
                f"{{% once %}} values must be hashable: {error}"
            ) from error
        isolated = Context(
            values,
            autoescape=context.autoescape,
            use_l10n=context.use_l10n,
            use_tz=context.use_tz,
        )
        isolated.template = context.template
        html = self.nodelist.render(isolated)
        if len(self.memo) >= VARIANTS:
            # The oldest kept variant makes room (a dict keeps insertion order); another
            # thread may have taken it already.
            self.memo.pop(next(iter(self.memo), None), None)
        self.memo[key] = html
        return html


@register.tag
def once(parser, token):
    bits = token.split_contents()[1:]
    values = template.base.token_kwargs(bits, parser, support_legacy=False)
    if bits:
        raise template.TemplateSyntaxError(
            "{% once %} takes only name=value pairs (the values its body may read)."
        )
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(nodelist, values)
