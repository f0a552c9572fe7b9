"""Patient-facing plan pages, included under /journal/plan/ in the journal namespace."""

urlpatterns = []
