"""/moderate/stats/<slug>/: the editors' figures for one site."""

from django.urls import path

from belowtheline.moderation import stats_views

urlpatterns = [
    path("<slug:slug>/", stats_views.figures_page, name="moderation_stats"),
]
