"""The moderation API answers this site's staff only: everyone else gets a 403 in JSON and
changes nothing, whatever the endpoint; another site's moderator cannot even find this
site's comments; and a write by session needs the CSRF token."""

import pytest
from django.test import Client

from belowtheline.api.api import api
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Article, Comment
from belowtheline.moderation import services
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from tests.api.conftest import api_path, send
from tests.conftest import make_staff
from tests.discussion.factories import ArticleFactory

# Every moderation endpoint, with a body its own staff could send successfully.
ENDPOINTS = [
    ("get", "moderation/queue", None),
    ("get", "moderation/queue?tab=held", None),
    ("get", "moderation/decided", None),
    ("get", "moderation/comments/{comment}/audit", None),
    ("get", "moderation/users/{author}/audit", None),
    ("get", "moderation/cover", None),
    ("post", "moderation/comments/{comment}/dismiss", {"reason": "Fair comment"}),
    ("post", "moderation/comments/{comment}/amend", {"text": "x", "rule": 1, "reason": "y"}),
    ("post", "moderation/comments/{comment}/remove", {"rule": 1}),
    ("post", "moderation/comments/{comment}/hold", {}),
    ("post", "moderation/comments/{comment}/release", {}),
    ("post", "moderation/comments/{comment}/approve", {}),
    ("post", "moderation/comments/{comment}/reject", {"rule": 1}),
    ("post", "moderation/users/{author}/sanctions", {"kind": "ban", "reason": "Abuse"}),
    ("post", "moderation/sanctions/{sanction}/lift", {"reason": "Served"}),
    ("delete", "moderation/sanctions/{sanction}", None),
    ("post", "moderation/users/{author}/notes", {"text": "Watch this one"}),
    ("post", "moderation/users/{author}/remove-all", {"rule": 1}),
    ("put", "moderation/articles/{article}/comment-mode", {"mode": "closed"}),
]
IDS = [f"{method} {path}" for method, path, _ in ENDPOINTS]


@pytest.fixture
def foreign_editor(other_site):
    return make_staff(other_site, "editor", "edna_x")


@pytest.fixture
def reported(site, comment, reader):
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason="abusive", note="Name-calling")
    return comment


@pytest.fixture
def sanction(site, moderator, other_subscriber):
    return services.sanction_author(site=site, actor=moderator, user_id=other_subscriber.pk,
                                    kind="premoderation", reason="Repeated abuse")


def _path(site, template, *, comment, author, article, sanction):
    return api_path(site, template.format(comment=comment.pk, author=author.pk,
                                          article=article.pk, sanction=sanction.pk))


def test_every_moderation_endpoint_is_in_the_matrix():
    """A new endpoint must join the permission matrix below."""
    schema = api.get_openapi_schema()
    prefix = "/api/v1/sites/{site}/"
    documented = {
        (method, path.removeprefix(prefix))
        for path, operations in schema["paths"].items() if "/moderation/" in path
        for method in operations
    }
    listed = {
        (method, path.split("?")[0].replace("{comment}", "{comment_id}")
         .replace("{author}", "{user_id}").replace("{article}", "{article_id}")
         .replace("{sanction}", "{sanction_id}"))
        for method, path, _ in ENDPOINTS
    }
    assert documented == listed


@pytest.mark.parametrize(("method", "template", "body"), ENDPOINTS, ids=IDS)
@pytest.mark.parametrize("who", ["anonymous", "reader", "subscriber", "foreign_moderator",
                                 "foreign_editor"])
def test_moderation_api_refuses_anyone_but_this_sites_staff(
    request, client_for, site, article, reported, subscriber, sanction, method, template, body,
    who,
):
    client = Client() if who == "anonymous" else client_for(request.getfixturevalue(who))
    entries_before = AuditEntry.objects.count()
    path = _path(site, template, comment=reported, author=subscriber, article=article,
                 sanction=sanction)

    response = send(client, method, path, body)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] in {"not_a_moderator", "not_an_editor"}
    assert AuditEntry.objects.count() == entries_before
    reported.refresh_from_db()
    assert reported.status == Comment.Status.PUBLISHED
    assert Article.objects.get(pk=article.pk).comment_mode == "open"
    assert Sanction.objects.get(pk=sanction.pk).lifted_at is None
    assert Sanction.objects.count() == 1
    assert not ModeratorNote.objects.exists()


@pytest.mark.parametrize("role", ["moderator", "editor", "admin"])
def test_every_staff_role_reads_the_queue(client_for, site, reported, role):
    staff = make_staff(site, role, f"staff_{role}")

    response = client_for(staff).get(api_path(site, "moderation/queue"))

    assert response.status_code == 200
    assert [row["comment"]["id"] for row in response.json()["items"]] == [reported.pk]


def test_comment_mode_is_for_editors_not_moderators(client_for, site, article, moderator):
    response = send(client_for(moderator), "put",
                    api_path(site, f"moderation/articles/{article.pk}/comment-mode"),
                    {"mode": "closed"})

    assert response.status_code == 403
    assert response.json()["code"] == "not_an_editor"
    assert Article.objects.get(pk=article.pk).comment_mode == "open"


# --- one site's data never shows on another's ----------------------------------------------

def test_another_sites_moderator_cannot_see_this_sites_queue(client_for, site, other_site,
                                                            reported, foreign_moderator):
    theirs = client_for(foreign_moderator)

    refused = theirs.get(api_path(site, "moderation/queue"))
    own = theirs.get(api_path(other_site, "moderation/queue?tab=recent"))
    trail = theirs.get(api_path(other_site, "moderation/decided"))

    assert refused.status_code == 403
    assert refused.json()["code"] == "not_a_moderator"
    assert own.status_code == 200
    assert own.json()["items"] == []
    assert trail.json()["entries"] == []


@pytest.mark.parametrize(("method", "template", "body"), [
    ("get", "moderation/comments/{comment}/audit", None),
    ("post", "moderation/comments/{comment}/dismiss", {}),
    ("post", "moderation/comments/{comment}/amend", {"text": "x", "rule": 1, "reason": "y"}),
    ("post", "moderation/comments/{comment}/remove", {"rule": 1}),
    ("post", "moderation/comments/{comment}/hold", {}),
    ("post", "moderation/comments/{comment}/release", {}),
    ("post", "moderation/comments/{comment}/approve", {}),
    ("post", "moderation/comments/{comment}/reject", {"rule": 1}),
    ("get", "moderation/users/{author}/audit", None),
    ("post", "moderation/sanctions/{sanction}/lift", {}),
    ("delete", "moderation/sanctions/{sanction}", None),
])
def test_this_sites_things_are_not_found_through_another_site(
    client_for, site, other_site, article, reported, subscriber, sanction, foreign_moderator,
    method, template, body,
):
    entries_before = AuditEntry.objects.count()
    path = _path(other_site, template, comment=reported, author=subscriber, article=article,
                 sanction=sanction)

    response = send(client_for(foreign_moderator), method, path, body)

    assert response.status_code == 404
    assert response.json()["code"] in {"comment_not_found", "user_not_found",
                                       "sanction_not_found"}
    assert AuditEntry.objects.count() == entries_before
    reported.refresh_from_db()
    assert reported.status == Comment.Status.PUBLISHED


def test_an_article_is_not_found_through_another_site(client_for, other_site, article,
                                                     foreign_editor):
    response = send(client_for(foreign_editor), "put",
                    api_path(other_site, f"moderation/articles/{article.pk}/comment-mode"),
                    {"mode": "closed"})

    assert response.status_code == 404
    assert response.json()["code"] == "article_not_found"
    assert Article.objects.get(pk=article.pk).comment_mode == "open"


def test_another_sites_comment_never_shows_in_this_sites_queue(client_for, site, other_site,
                                                              moderator, reported):
    ArticleFactory(site=other_site)  # something on the other site too

    rows = client_for(moderator).get(api_path(site, "moderation/queue?tab=recent")).json()

    assert {row["comment"]["id"] for row in rows["items"]} == {reported.pk}


# --- CSRF ---------------------------------------------------------------------------------

def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize(("method", "template", "body"),
                         [e for e in ENDPOINTS if e[0] != "get"],
                         ids=[i for i, e in zip(IDS, ENDPOINTS, strict=True) if e[0] != "get"])
def test_a_write_by_session_without_the_csrf_token_is_refused(
    site, article, reported, subscriber, sanction, method, template, body,
):
    admin = make_staff(site, "admin", "ada_l")
    entries_before = AuditEntry.objects.count()
    path = _path(site, template, comment=reported, author=subscriber, article=article,
                 sanction=sanction)

    response = send(_csrf_client(admin), method, path, body)

    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert AuditEntry.objects.count() == entries_before


def test_with_the_csrf_token_the_write_goes_through(site, reported, moderator):
    client = _csrf_client(moderator)
    assert client.get(api_path(site, "moderation/queue")).status_code == 200  # reads need none
    client.get(api_path(site, "me"))
    token = client.cookies["csrftoken"].value

    response = send(client, "post", api_path(site, f"moderation/comments/{reported.pk}/remove"),
                    {"rule": 1}, HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200
    assert response.json()["state"] == "removed"
