from django.urls import include, path

from .views import journal

app_name = "journal"

urlpatterns = [
    path("", journal.home, name="home"),
    path("plan/", include("prescriptions.urls_patient")),
]
