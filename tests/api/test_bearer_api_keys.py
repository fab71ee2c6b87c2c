"""API keys through the API: the staff side a publisher's servers may use, and its limits."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from belowtheline import clock
from belowtheline.accounts.api_keys import create_api_key, revoke_api_key
from belowtheline.discussion.models import Article, Comment
from belowtheline.moderation.models import AuditEntry
from tests.api.conftest import api_path, send
from tests.conftest import make_staff


def bearer(value: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


@pytest.fixture
def key(site, site_admin):
    """The raw key of the gazette's CMS integration."""
    return create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())[1]


@pytest.fixture
def other_key(other_site):
    admin = make_staff(other_site, "admin", "other_admin")
    return create_api_key(site=other_site, actor=admin, name="cms", now=clock.now())[1]


@pytest.fixture
def server() -> Client:
    """A publisher's server: no cookies, and CSRF enforced as for any client."""
    return Client(enforce_csrf_checks=True)


def _upsert(client, site, body, key):
    return send(client, "put", api_path(site, "articles"), body, **bearer(key))


# --- articles ---------------------------------------------------------------------------------

def test_a_key_registers_an_article_then_updates_it_by_url(server, site, key):
    url = "https://gazette.example/2026/11/bridge"
    created = _upsert(server, site, {"canonical_url": url, "title": "Bridge approved",
                                     "published_at": "2026-11-25T08:00:00Z"}, key)
    assert created.status_code == 201, created.json()
    article = Article.objects.get(site=site, canonical_url=url)
    assert created.json()["id"] == article.pk
    assert article.published_at == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert article.comment_mode == "open"

    updated = _upsert(server, site, {"canonical_url": url, "title": "Bridge approved at last",
                                     "comment_mode": "premoderated"}, key)
    assert updated.status_code == 200
    assert updated.json()["comment_mode"] == "premoderated"
    article.refresh_from_db()
    assert (article.title, article.comment_mode) == ("Bridge approved at last", "premoderated")
    assert Article.objects.filter(site=site, canonical_url=url).count() == 1
    entry = AuditEntry.objects.get(site=site, action="comment_mode")
    assert entry.actor_name == "integration:gazette:cms"


def test_a_new_article_may_start_closed_or_premoderated(server, site, key):
    response = _upsert(server, site, {"canonical_url": "https://gazette.example/inquest",
                                      "title": "Inquest", "comment_mode": "closed"}, key)
    assert response.status_code == 201
    assert response.json()["comment_mode"] == "closed"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"canonical_url": "not a url", "title": "T"}, "canonical_url_invalid", "canonical_url"),
        ({"canonical_url": "javascript:alert(1)", "title": "T"}, "canonical_url_invalid",
         "canonical_url"),
        ({"canonical_url": "https://g.example/a", "title": "  "}, "title_invalid", "title"),
        ({"canonical_url": "https://g.example/a", "title": "T", "comment_mode": "wild"},
         "comment_mode_invalid", "comment_mode"),
        ({"canonical_url": "https://g.example/a", "title": "T",
          "published_at": "2026-11-25T08:00:00"}, "published_at_invalid", "published_at"),
    ],
)
def test_bad_article_input_is_refused_with_its_field(server, site, key, body, code, field):
    response = _upsert(server, site, body, key)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == (code, field)


def test_a_moderator_cannot_register_articles_but_an_editor_can(client_for, site, moderator,
                                                                  editor):
    body = {"canonical_url": "https://gazette.example/x", "title": "X"}
    refused = send(client_for(moderator), "put", api_path(site, "articles"), body)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_an_editor"
    assert send(client_for(editor), "put", api_path(site, "articles"), body).status_code == 201


def test_a_reader_or_a_stranger_cannot_register_articles(anonymous, as_subscriber, site):
    body = {"canonical_url": "https://gazette.example/x", "title": "X"}
    for client in (anonymous, as_subscriber):
        assert send(client, "put", api_path(site, "articles"), body).status_code == 403
    assert not Article.objects.filter(site=site).exists()


# --- moderation -------------------------------------------------------------------------------

@pytest.fixture
def reported(site, comment, reader):
    from belowtheline.discussion import services

    services.report_comment(site=site, comment_id=comment.pk, reporter=reader, reason="abusive")
    return comment


def test_a_key_reads_the_queue_and_removes_a_comment_audited_by_name(server, site, key,
                                                                       reported):
    queue = send(server, "get", api_path(site, "moderation/queue"), **bearer(key))
    assert queue.status_code == 200
    assert [item["comment"]["id"] for item in queue.json()["items"]] == [reported.pk]

    removed = send(server, "post", api_path(site, f"moderation/comments/{reported.pk}/remove"),
                   {"rule": 1, "reason": "Abuse"}, **bearer(key))
    assert removed.status_code == 200, removed.json()
    assert removed.json()["decision"]["actor"] == "integration:gazette:cms"
    entry = AuditEntry.objects.get(site=site, comment=reported, action="remove")
    assert entry.actor_name == "integration:gazette:cms"
    assert entry.actor.api_key.name == "cms"
    reported.refresh_from_db()
    assert reported.status == Comment.Status.REMOVED


def test_a_key_may_read_the_thread_but_cannot_comment(server, site, key, article, comment):
    thread = send(server, "get", api_path(site, f"articles/{article.pk}/thread"), **bearer(key))
    assert thread.status_code == 200
    posted = send(server, "post", api_path(site, f"articles/{article.pk}/comments"),
                  {"text": "An integration's opinion"}, **bearer(key))
    assert posted.status_code == 403
    assert posted.json()["code"] == "subscription_required"


# --- the permission matrix --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("method", "rest", "body"),
    [
        ("get", "moderation/queue", None),
        ("put", "articles", {"canonical_url": "https://gazette.example/x", "title": "X"}),
        ("get", "me", None),
    ],
)
def test_another_sites_key_cannot_touch_this_site(server, site, other_key, method, rest, body):
    response = send(server, method, api_path(site, rest), body, **bearer(other_key))
    assert response.status_code == 403
    assert response.json()["code"] == "api_key_wrong_site"


def test_another_sites_key_cannot_act_on_this_sites_comment_through_its_own_address(
    server, other_site, other_key, reported
):
    # The comment exists only on the gazette; through the key's own site it is not found.
    response = send(server, "post",
                    api_path(other_site, f"moderation/comments/{reported.pk}/remove"),
                    {"rule": 1}, **bearer(other_key))
    assert response.status_code == 404
    reported.refresh_from_db()
    assert reported.status == Comment.Status.PUBLISHED


def test_a_revoked_key_is_401_at_once(server, site, site_admin):
    api_key, raw = create_api_key(site=site, actor=site_admin, name="old", now=clock.now())
    assert send(server, "get", api_path(site, "moderation/queue"), **bearer(raw)).status_code \
        == 200
    revoke_api_key(site=site, actor=site_admin, key_id=api_key.pk, now=clock.now())

    response = send(server, "get", api_path(site, "moderation/queue"), **bearer(raw))
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_revoked"


def test_an_unknown_key_is_401_even_with_a_staff_session(client_for, site, moderator, key):
    signed_in = client_for(moderator)
    response = send(signed_in, "get", api_path(site, "moderation/queue"),
                    **bearer(key[:-2] + "zz"))
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"


def test_a_key_records_when_it_was_last_used(server, site, key):
    from belowtheline.accounts.models import ApiKey

    send(server, "get", api_path(site, "moderation/queue"), **bearer(key))
    assert ApiKey.objects.get(site=site, name="cms").last_used_at is not None


def test_a_key_cannot_report_a_comment_so_reports_always_come_from_readers(
        server, site, article, subscriber, key):
    from belowtheline.discussion import services
    from belowtheline.discussion.models import Report

    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="The bridge is overdue.")
    response = send(server, "post", api_path(site, f"comments/{comment.pk}/reports"),
                    {"reason": "abusive"}, **bearer(key))
    assert response.status_code == 403
    assert response.json()["code"] == "integration_cannot_report"
    assert Report.objects.count() == 0
