"""Stable FHIR resource ids, instants and this app's shared extensions, for every part of the
FHIR export.

Pure: the site's base URL is passed in, so the same export twice gives the same ids.
"""

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

# This app's extensions that more than one part of the export writes (docs/fhir.md): the
# night a resource belongs to, the plan's state that night (a valueCode of titration's states,
# the CSV's plan_status), and the zone its times were logged in (a dose) or made in (an urgent
# report).
NIGHT_EXTENSION_PATH = "/fhir/StructureDefinition/night"
PLAN_STATUS_EXTENSION_PATH = "/fhir/StructureDefinition/plan-status"
LOGGED_TIME_ZONE_EXTENSION_PATH = "/fhir/StructureDefinition/logged-time-zone"


def stable_id(base_url: str, kind: str, *parts) -> str:
    """A UUID derived from the site, the resource kind and the record's key."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url}/{kind}/" + "/".join(map(str, parts))))


# A hex digit with its two top bits set to 10 (the RFC 4122 variant).
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def stable_ids(base_url: str, kind: str) -> Callable[..., str]:
    """``stable_id(base_url, kind, *parts)`` as a function of the parts, for many records of
    one kind: the same UUIDs (version 5, RFC 4122), with the hash of the common prefix taken
    once and no UUID object per id (an export makes thousands)."""
    prefix = hashlib.sha1(
        uuid.NAMESPACE_URL.bytes + f"{base_url}/{kind}/".encode(), usedforsecurity=False
    )

    def make(*parts) -> str:
        digest = prefix.copy()
        digest.update("/".join(map(str, parts)).encode())
        x = digest.hexdigest()
        # The version (5) in the 13th hex digit, the RFC 4122 variant (10xx) in the 17th.
        return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[x[16]]}{x[17:20]}-{x[20:32]}"

    return make


def instant(moment: datetime) -> str:
    """A FHIR instant: the moment in UTC, ISO 8601."""
    return moment.astimezone(UTC).isoformat()
