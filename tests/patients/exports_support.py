"""An export download's bytes (the export and FHIR tests')."""


def body(response):
    """The download's bytes (exports are streamed)."""
    assert response.streaming
    return b"".join(response.streaming_content)
