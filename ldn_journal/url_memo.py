"""``{% url %}`` with its answers remembered (issue 19).

Django's ``{% url %}`` reverses the name on every render: it resolves the pattern list's
reverse dictionary, builds the candidate path and matches it against the pattern's regular
expression again, about 25 µs on this kind of machine. The clinician's patient page writes
some twenty links per request (its forms' actions, the plan panel's actions, the versions),
a twentieth of its time.

What ``reverse()`` returns depends only on what the key below holds: the name, the arguments,
the current application (for namespaced names), the script prefix (the site's path under the
proxy) and the URLconf in force. The URLconf is code, fixed for the life of the process, and
this project has no translated patterns (no ``i18n_patterns``). So the answer for the same key
is always the same, and a bounded cache of them gives the same links, byte for byte. Only
plain arguments (``str``, ``int``, ``date``) are remembered: a model instance's link is built
from ``str()`` of it, which can change while the instance compares equal, so such a link is
reversed as Django does.

A builtin of the project's template engine (settings.TEMPLATES), so it replaces Django's
``url`` tag in every template; tests/test_url_memo.py checks the two agree.
"""

from __future__ import annotations

import functools
from datetime import date

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Far more than the distinct links the site's pages write for the patients one process serves
# between restarts (about 40 names, each with a patient's id and sometimes one more id).
LINKS_KEPT = 20_000
PLAIN = (str, int, date)


@functools.lru_cache(maxsize=LINKS_KEPT)
def _remembered(view_name, args, kwargs, current_app, _script_prefix, urlconf) -> str:
    # _script_prefix is part of the key only: reverse() reads the same one itself.
    return reverse(
        view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def _plain(value) -> bool:
    # A str subclass (SafeString, a translated string) reverses to the same text as the plain
    # value it equals; a lazy string is not a str (not kept). True equals 1 as a key but is
    # written "True": not kept.
    return isinstance(value, PLAIN) and not isinstance(value, bool)


def reverse_remembered(view_name, args=(), kwargs=None, current_app=None) -> str:
    """reverse(), answered from the cache when every part of the question is plain."""
    kwargs = kwargs or {}
    if (
        isinstance(view_name, str)
        and all(_plain(a) for a in args)
        and all(_plain(v) for v in kwargs.values())
        and (current_app is None or isinstance(current_app, str))
    ):
        return _remembered(
            view_name,
            tuple(args),
            tuple(sorted(kwargs.items())),
            current_app,
            get_script_prefix(),
            get_urlconf(),
        )
    return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)


class RememberedURLNode(URLNode):
    """Django's URLNode.render, with reverse_remembered for reverse."""

    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse_remembered(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser, token):
    """Django's {% url %} (the same syntax, parsed by Django), rendered by RememberedURLNode."""
    node = django_url(parser, token)
    node.__class__ = RememberedURLNode
    return node
