"""Every URL the project serves, and each filled in for a cast (the access and logging
tests')."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.access_rules import RULES, THIRD_PARTY_PREFIXES, Cast


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            if ns:
                ns = f"{namespace}:{ns}" if namespace else ns
            else:
                ns = namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name


def project_urls():
    """(route, name) of every URL this project serves, third-party areas excluded."""
    return [
        (route, name)
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith(THIRD_PARTY_PREFIXES)
    ]


URLS = project_urls()
_PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def concrete(route, name, cast: Cast):
    rule = RULES[name]

    def fill(match):
        param = match.group("name")
        return str(rule.param(param, cast))

    return "/" + _PARAM.sub(fill, route)
