"""Which Web Push endpoints the worker may connect to: known browser push services only.

A subscription's endpoint is an address the browser (so, the patient) chooses; unchecked, the
worker would POST wherever it points (127.0.0.1, the cloud metadata service, the clinic's
network). Pure apart from the resolver passed in (and gettext for the words): `refusal`
checks the URL against the allowed hosts, `address_refusal` checks what the host resolves to.
"""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.utils.translation import gettext

# A DNS name in plain ASCII: letters, digits, hyphens and dots. Anything else in the netloc
# (userinfo, a backslash, percent-escapes, IPv6 brackets, spaces) is refused outright: URL
# parsers disagree about such addresses, and the one that checks must be the one that sends.
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_NETLOC = re.compile(r"^[A-Za-z0-9.-]+(:443)?$")


DOES_NOT_RESOLVE = "does not resolve"
NOT_PUBLIC = "resolves to a non-public address"


def host_allowed(hostname, allowed_hosts):
    """`hostname` is on the list; "*.example.com" matches its subdomains, never the bare
    name or a look-alike such as "evilexample.com"."""
    for pattern in allowed_hosts:
        pattern = pattern.strip().lower()
        if pattern.startswith("*."):
            if hostname.endswith(pattern[1:]) and len(hostname) > len(pattern) - 1:
                return True
        elif hostname == pattern:
            return True
    return False


def refusal(url, allowed_hosts):
    """Why `url` may not be a push endpoint (in the active language: the subscribing
    patient's; it said English to everyone), or None when it may.

    https on port 443, no userinfo, a DNS name (not an IP in any spelling) on the list."""
    if not isinstance(url, str) or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return gettext("The push endpoint is not a valid address.")
    parts = urlsplit(url)
    if parts.scheme != "https":
        return gettext("Push endpoints must be https:// addresses.")
    if not _NETLOC.match(parts.netloc):
        return gettext("Push endpoints may not carry a user name, password or port other than 443.")
    hostname = (parts.hostname or "").lower()
    if not _HOSTNAME.match(hostname):
        # Also the decimal (2130706433) and hex (0x7f000001) spellings of an address.
        return gettext("Push endpoints must name a push service, not an IP address.")
    if not host_allowed(hostname, allowed_hosts):
        return gettext(
            "This browser's push service is not one the clinic accepts. Allowed: %(hosts)s."
        ) % {"hosts": ", ".join(allowed_hosts)}
    return None


def non_public(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def address_refusal(hostname, resolve=socket.getaddrinfo):
    """Why the worker may not connect to `hostname` now, or None. Every address it resolves
    to must be public (a push service's name pointed at an inside address is refused)."""
    try:
        infos = resolve(hostname, 443, type=socket.SOCK_STREAM)
    except OSError:
        return DOES_NOT_RESOLVE
    addresses = {info[4][0] for info in infos}
    if not addresses:
        return DOES_NOT_RESOLVE
    if any(non_public(address) for address in addresses):
        return NOT_PUBLIC
    return None
