"""A patient's nights for a date range as CSV or as a FHIR R4 Bundle."""
