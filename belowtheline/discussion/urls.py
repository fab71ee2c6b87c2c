"""The reader's pages. Everything hangs from a site's slug, so a URL never crosses sites."""

from django.urls import path

from belowtheline import ids  # noqa: F401 (registers the `id` converter)
from belowtheline.accounts import views as accounts_views
from belowtheline.discussion import views

urlpatterns = [
    path("sites/<slug:slug>/threads/<id:article_id>/", views.thread, name="thread"),
    # One reader's part of a thread page (JSON), beside the body shared by everyone.
    path(
        "sites/<slug:slug>/threads/<id:article_id>/viewer",
        views.thread_viewer,
        name="thread_viewer",
    ),
    path(
        "sites/<slug:slug>/threads/<id:article_id>/comments/",
        views.post_comment,
        name="post_comment",
    ),
    path(
        "sites/<slug:slug>/comments/<id:comment_id>/edit/",
        views.edit_comment,
        name="edit_comment",
    ),
    path(
        "sites/<slug:slug>/comments/<id:comment_id>/delete/",
        views.delete_comment,
        name="delete_comment",
    ),
    path(
        "sites/<slug:slug>/comments/<id:comment_id>/recommend/",
        views.recommend_comment,
        name="recommend_comment",
    ),
    path(
        "sites/<slug:slug>/comments/<id:comment_id>/report/",
        views.report_comment,
        name="report_comment",
    ),
    path("sites/<slug:slug>/rules/", views.rules, name="rules"),
    path("sites/<slug:slug>/rules/v<id:number>/", views.rules_version, name="rules_version"),
    path("sites/<slug:slug>/rules/accept/", views.accept_rules, name="accept_rules"),
    path("sites/<slug:slug>/why-subscribers/", views.why_subscribers, name="why_subscribers"),
    # The reader's messages about their comments and reports, per site like everything else.
    path("sites/<slug:slug>/notifications/", accounts_views.notifications, name="notifications"),
]
