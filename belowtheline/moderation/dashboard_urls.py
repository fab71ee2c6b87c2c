"""/moderate/: the site picker, then everything under a site's slug.

The figures live at /moderate/stats/, included after these patterns: a site slug here never
matches "stats", so that page is reached whatever the order of the includes.
"""

from django.urls import path, register_converter

from belowtheline import ids  # noqa: F401 (registers the `id` converter)
from belowtheline.moderation import views


class DashboardSlugConverter:
    regex = r"(?!stats/)[-a-zA-Z0-9_]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DashboardSlugConverter, "dashboard_slug")

urlpatterns = [
    path("", views.home, name="moderation_home"),
    path("<dashboard_slug:slug>/", views.queue, name="moderation_queue"),
    path("<dashboard_slug:slug>/audit.csv", views.audit_csv, name="moderation_audit_csv"),
    path("<dashboard_slug:slug>/bulk/", views.bulk, name="moderation_bulk"),
    path("<dashboard_slug:slug>/comments/<id:comment_id>/", views.comment_page,
         name="moderation_comment"),
    *[
        path(f"<dashboard_slug:slug>/comments/<id:comment_id>/{action}/", views.act_on_comment,
             {"action": action}, name=f"moderation_{action}")
        for action in views.COMMENT_ACTIONS
    ],
    path("<dashboard_slug:slug>/users/<id:user_id>/", views.user_page, name="moderation_user"),
    path("<dashboard_slug:slug>/users/<id:user_id>/sanction/", views.sanction_author,
         name="moderation_sanction"),
    path("<dashboard_slug:slug>/users/<id:user_id>/note/", views.add_note,
         name="moderation_note"),
    path("<dashboard_slug:slug>/users/<id:user_id>/remove-all/", views.remove_all,
         name="moderation_remove_all"),
    path("<dashboard_slug:slug>/sanctions/<id:sanction_id>/lift/", views.lift_sanction,
         name="moderation_lift"),
    path("<dashboard_slug:slug>/articles/<id:article_id>/mode/", views.comment_mode,
         name="moderation_comment_mode"),
]
