"""Clinician plan pages, included under /clinic/ in the clinic namespace."""

urlpatterns = []
