"""The export formats a URL may name, as a path converter: any other is a 404 from the URL
resolver, before a view or its password prompt runs (/export/xml/ asked for the password
again and only then answered 404)."""

from django.urls import register_converter

FORMATS = ("csv", "fhir")


class ExportFormatConverter:
    regex = "|".join(FORMATS)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ExportFormatConverter, "export_format")
