"""Stable FHIR resource ids and instants, shared by every part of the FHIR export.

Pure: the site's base URL is passed in, so the same export twice gives the same ids.
"""

import uuid
from datetime import UTC, datetime


def stable_id(base_url: str, kind: str, *parts) -> str:
    """A UUID derived from the site, the resource kind and the record's key."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url}/{kind}/" + "/".join(map(str, parts))))


def instant(moment: datetime) -> str:
    """A FHIR instant: the moment in UTC, ISO 8601."""
    return moment.astimezone(UTC).isoformat()
