"""Every dashboard page and form refuses anonymous visitors, readers, subscribers and
another site's moderators, and changes nothing when it does.

The list of URLs is built from the URLconf's names, and a test checks that it covers every
dashboard pattern, so a new page or action cannot be added without being refused here too.
"""

import pytest
from django.urls import Resolver404, resolve, reverse

from belowtheline.accounts.models import StaffRole
from belowtheline.discussion.models import Article, Comment, Report
from belowtheline.moderation import dashboard_urls, services
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction


@pytest.fixture
def world(site, rules, article, reported, moderator, subscriber):
    """A reported comment and a sanction on its author: something for every form to hit."""
    sanction = services.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                                        kind="premoderation", reason="Earlier trouble")
    return {"site": site, "comment": reported, "author": subscriber, "article": article,
            "sanction": sanction}


def _pages(w) -> list[tuple[str, str, dict]]:
    slug, comment, author = w["site"].slug, w["comment"].pk, w["author"].pk
    seen = {"seen_decision": "0"}
    return [
        ("GET", reverse("moderation_queue", args=[slug]), {}),
        ("GET", reverse("moderation_queue", args=[slug]) + "?tab=held", {}),
        ("GET", reverse("moderation_queue", args=[slug]) + "?tab=recent", {}),
        ("GET", reverse("moderation_queue", args=[slug]) + "?tab=decided", {}),
        ("GET", reverse("moderation_comment", args=[slug, comment]), {}),
        ("GET", reverse("moderation_user", args=[slug, author]), {}),
        ("GET", reverse("moderation_audit_csv", args=[slug]), {}),
        ("POST", reverse("moderation_dismiss", args=[slug, comment]), seen),
        ("POST", reverse("moderation_amend", args=[slug, comment]),
         {**seen, "text": "Tamed", "rule": "1", "reason": "Too strong"}),
        ("POST", reverse("moderation_remove", args=[slug, comment]), {**seen, "rule": "1"}),
        ("POST", reverse("moderation_hold", args=[slug, comment]), seen),
        ("POST", reverse("moderation_release", args=[slug, comment]), seen),
        ("POST", reverse("moderation_approve", args=[slug, comment]), seen),
        ("POST", reverse("moderation_reject", args=[slug, comment]), {**seen, "rule": "1"}),
        ("POST", reverse("moderation_bulk", args=[slug]),
         {"action": "remove", "rule": "1", "comment": f"{comment}:0"}),
        ("POST", reverse("moderation_sanction", args=[slug, author]),
         {"kind": "ban", "reason": "Trolling"}),
        ("POST", reverse("moderation_note", args=[slug, author]), {"text": "Watch them"}),
        ("POST", reverse("moderation_remove_all", args=[slug, author]),
         {"rule": "3", "confirm": "yes"}),
        ("POST", reverse("moderation_lift", args=[slug, w["sanction"].pk]), {}),
        ("POST", reverse("moderation_comment_mode", args=[slug, w["article"].pk]),
         {"mode": "closed"}),
    ]


def _state(w) -> tuple:
    comment = Comment.objects.get(pk=w["comment"].pk)
    return (
        AuditEntry.objects.count(), Sanction.objects.filter(lifted_at__isnull=True).count(),
        ModeratorNote.objects.count(), comment.status, comment.text,
        Report.objects.filter(status=Report.Status.OPEN).count(),
        Article.objects.get(pk=w["article"].pk).comment_mode,
    )


def test_the_list_covers_every_dashboard_url(world):
    every = {pattern.name for pattern in dashboard_urls.urlpatterns} - {"moderation_home"}
    tested = {resolve(url.split("?")[0]).url_name for _, url, _ in _pages(world)}
    assert tested == every


@pytest.mark.parametrize("who", ["anonymous", "reader", "subscriber", "foreign_moderator"])
def test_every_dashboard_url_refuses_people_who_do_not_moderate_this_site(
    client, request, world, who
):
    person = None if who == "anonymous" else request.getfixturevalue(who)
    if person is not None:
        client.force_login(person)
    before = _state(world)
    for method, url, data in _pages(world):
        response = client.get(url) if method == "GET" else client.post(url, data)
        if person is None and method == "GET":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url
        else:
            assert response.status_code == 403, (method, url, response.status_code)
            assert "Only this site&#x27;s moderators can do that." in response.content.decode()
        assert _state(world) == before, (method, url)


def test_the_site_picker_sends_strangers_away_and_moderators_to_their_site(
    client, site, reader, moderator, foreign_moderator, other_site
):
    assert client.get(reverse("moderation_home"))["Location"].startswith(reverse("login"))
    client.force_login(reader)
    assert client.get(reverse("moderation_home")).status_code == 403
    client.force_login(foreign_moderator)
    response = client.get(reverse("moderation_home"))
    assert response["Location"] == reverse("moderation_queue", args=[other_site.slug])
    client.force_login(moderator)
    response = client.get(reverse("moderation_home"))
    assert response["Location"] == reverse("moderation_queue", args=[site.slug])


def test_a_moderator_of_two_sites_chooses_between_them(client, site, other_site, moderator):
    StaffRole.objects.create(site=other_site, user=moderator, role="editor")
    client.force_login(moderator)
    response = client.get(reverse("moderation_home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert site.name in page
    assert other_site.name in page


def test_only_admins_export_the_audit_trail(client, site, moderator, editor, site_admin,
                                            world):
    url = reverse("moderation_audit_csv", args=[site.slug])
    for person in (moderator, editor):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 403
        assert "Only this site&#x27;s admins can export" in response.content.decode()
    client.force_login(site_admin)
    assert client.get(url).status_code == 200


def test_a_stats_address_is_never_taken_for_a_site():
    """/moderate/stats/… belongs to the figures page, whatever the order of the includes."""
    dashboard = {pattern.name for pattern in dashboard_urls.urlpatterns}
    for path in ("/moderate/stats/", "/moderate/stats/gazette/"):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        assert match.url_name not in dashboard, path
