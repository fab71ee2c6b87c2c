from django.urls import path

from belowtheline import ids  # noqa: F401 (registers the `id` converter)
from belowtheline.demo import views

urlpatterns = [
    path("", views.front, name="front"),
    path("sites/<slug:slug>/articles/<id:article_id>/", views.article, name="article"),
]
