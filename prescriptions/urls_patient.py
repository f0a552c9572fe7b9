"""Patient-facing plan pages, included under /journal/plan/ in the journal namespace."""

from django.urls import path

from prescriptions.views import patient

urlpatterns = [
    path("", patient.my_plan, name="plan"),
]
