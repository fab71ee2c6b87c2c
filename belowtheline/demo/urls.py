from django.urls import path

from belowtheline.demo import views

urlpatterns = [
    path("", views.front, name="front"),
    path("sites/<slug:slug>/articles/<int:article_id>/", views.article, name="article"),
]
