"""/moderate/: the staff dashboard (views.py) and the editors' figures (stats_views.py)."""

from django.urls import include, path

urlpatterns = [
    path("", include("belowtheline.moderation.dashboard_urls")),
    path("stats/", include("belowtheline.moderation.stats_urls")),
]
