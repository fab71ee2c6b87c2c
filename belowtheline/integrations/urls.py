"""The embed: the script at a fixed, short address, and the calls it makes per site."""

from django.urls import path

from belowtheline.integrations import embed

urlpatterns = [
    path("embed.js", embed.embed_script, name="embed_script"),
    path("embed/<slug:slug>/articles", embed.register_article, name="embed_articles"),
    path("embed/<slug:slug>/counts", embed.counts, name="embed_counts"),
]
