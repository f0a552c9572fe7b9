from django.urls import path

from .views import journal

app_name = "journal"

urlpatterns = [
    path("", journal.home, name="home"),
]
