"""A reader's pages on one site (their profile, their data, deleting their account) and a
site admin's page for a reader's data. Mounted at the root beside the discussion's pages:
everything hangs from the site's slug, so a URL never crosses sites."""

from django.urls import path

from belowtheline import ids  # noqa: F401 (registers the `id` converter)
from belowtheline.accounts import reader_views

urlpatterns = [
    path("sites/<slug:slug>/account/", reader_views.profile, name="profile"),
    path("sites/<slug:slug>/account/data/", reader_views.download_data, name="download_data"),
    path("sites/<slug:slug>/account/delete/", reader_views.delete_account,
         name="delete_account"),
    path("sites/<slug:slug>/readers/<id:user_id>/data/", reader_views.reader_data,
         name="reader_data"),
    path("sites/<slug:slug>/readers/<id:user_id>/data/download/",
         reader_views.reader_data_download, name="reader_data_download"),
    path("sites/<slug:slug>/readers/<id:user_id>/data/delete/", reader_views.reader_delete,
         name="reader_delete"),
]
