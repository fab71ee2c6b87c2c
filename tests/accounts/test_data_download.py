""""Download my data" (UK GDPR arts. 15 and 20): everything a site holds about a reader, as
JSON, from the profile page and the API; and a site admin's copy for a reader who asked."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from belowtheline import clock
from belowtheline.accounts.models import DataRightsRecord, Notification, User
from belowtheline.discussion import services as discussion
from belowtheline.moderation import services as moderation
from tests.api.test_bearer_tokens import SECRET, token
from tests.conftest import make_staff, make_subscriber
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.sites.factories import SiteFactory


@pytest.fixture
def history(site, rules, subscriber, other_subscriber, moderator, article):
    """Sam's life on the Gazette: a comment edited and then amended by a moderator, one
    removed, a reply, a report upheld, a recommendation, a sanction, a moderator's note;
    and a comment on another publication, which must not appear."""
    now = clock.now()
    first = discussion.post_comment(site=site, article=article, author=subscriber,
                                    text="Bridges are great.", now=now)
    discussion.edit_own_comment(site=site, comment_id=first.pk, author=subscriber,
                                text="Bridges are great, mostly.", now=now + timedelta(minutes=1))
    moderation.amend_comment(site=site, actor=moderator, comment_id=first.pk,
                             text="Bridges are [mostly] great.", rule=1, reason="Civility")
    second = discussion.post_comment(site=site, article=article, author=subscriber,
                                     text="Something rude.", now=now)
    moderation.remove_comment(site=site, actor=moderator, comment_id=second.pk, rule=1,
                              reason="Abuse")
    theirs = discussion.post_comment(site=site, article=article, author=other_subscriber,
                                     text="Olive's view.")
    discussion.report_comment(site=site, comment_id=theirs.pk, reporter=subscriber,
                              reason="off_topic", note="Not about the bridge")
    moderation.remove_comment(site=site, actor=moderator, comment_id=theirs.pk, rule=2)
    other_comment = discussion.post_comment(site=site, article=article,
                                            author=other_subscriber, text="Another.")
    discussion.recommend_comment(site=site, comment_id=other_comment.pk, user=subscriber)
    moderation.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                               kind="premoderation", reason="Two strikes")
    moderation.add_moderator_note(site=site, actor=moderator, user_id=subscriber.pk,
                                  text="Watch the bridge threads")
    elsewhere = SiteFactory(slug="echo", name="The Echo")
    RulesVersionFactory(site=elsewhere, number=1)
    from tests.accounts.factories import SubscriptionFactory

    SubscriptionFactory(site=elsewhere, user=subscriber)
    discussion.accept_rules(site=elsewhere, user=subscriber)
    discussion.post_comment(site=elsewhere, article=ArticleFactory(site=elsewhere),
                            author=subscriber, text="Said on the Echo.")
    return {"first": first, "second": second, "theirs": theirs, "recommended": other_comment}


def _download(client: Client, site) -> dict:
    response = client.post(f"/sites/{site.slug}/account/data/")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    return json.loads(response.content)


def test_the_download_holds_everything_about_the_reader_on_this_site(
        client, site, subscriber, moderator, history):
    client.force_login(subscriber)
    data = _download(client, site)

    assert data["format"] == "belowtheline.reader-data/1"
    assert data["profile"]["username"] == "sam"
    assert data["profile"]["display_name"] == "Sam Subscriber"
    assert data["profile"]["email"] == "sam@example.org"
    assert data["profile"]["account"] == "standalone"
    assert data["profile"]["subscription"]["status"] == "active"

    comments = {c["id"]: c for c in data["comments"]}
    assert set(comments) == {history["first"].pk, history["second"].pk}  # not the Echo's
    first = comments[history["first"].pk]
    assert first["text"] == "Bridges are [mostly] great."
    assert [e["text_before"] for e in first["edits"]] == ["Bridges are great."]
    assert [m["action"] for m in first["moderation"]] == ["amend"]
    assert first["moderation"][0]["text_before"] == "Bridges are great, mostly."
    assert first["rule_cited"]["number"] == 1
    assert first["thread_url"].endswith(f"#comment-{first['id']}")
    assert first["article"]["url"] == history["first"].article.canonical_url
    second = comments[history["second"].pk]
    assert second["status"] == "removed"
    assert second["moderation"][0]["action"] == "remove"

    [report] = data["reports"]
    assert (report["comment_id"], report["reason"], report["note"], report["outcome"]) == (
        history["theirs"].pk, "off_topic", "Not about the bridge", "upheld")
    assert report["decided_at"] is not None
    assert [r["comment_id"] for r in data["recommendations"]] == [history["recommended"].pk]
    assert len(data["notifications"]) == 3  # amended, removed, report upheld
    assert [a["rules_version"] for a in data["rules_acceptances"]] == [1]
    [sanction] = data["sanctions"]
    assert (sanction["kind"], sanction["reason"]) == ("premoderation", "Two strikes")
    # The publication decided, not a person: no moderator is named anywhere in it, and
    # moderators' private notes are not in the reader's own copy.
    raw = json.dumps(data)
    assert moderator.username not in raw
    assert "moderator_notes" not in data
    assert "Watch the bridge threads" not in raw


def test_a_download_is_recorded_and_listed_in_the_next_one(client, site, subscriber):
    client.force_login(subscriber)
    _download(client, site)
    record = DataRightsRecord.objects.get(site=site, person=subscriber)
    assert (record.kind, record.actor_name, record.on_request) == ("download", "the reader",
                                                                   False)
    assert [d["kind"] for d in _download(client, site)["data_requests"]] == ["download",
                                                                              "download"]


def test_the_download_is_a_post_with_the_csrf_token(site, subscriber):
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscriber)
    assert client.post(f"/sites/{site.slug}/account/data/").status_code == 403
    assert client.get(f"/sites/{site.slug}/account/data/").status_code == 405
    assert not DataRightsRecord.objects.exists()


def test_downloads_are_rate_limited(client, site, subscriber, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "data_download": "2/3600"}
    client.force_login(subscriber)
    _download(client, site)
    _download(client, site)
    response = client.post(f"/sites/{site.slug}/account/data/")
    assert response.status_code == 429
    assert "Too many data downloads" in response.content.decode()
    assert response["Retry-After"]


def test_a_token_reader_downloads_their_data_through_the_api(site, rules, article):
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token(site, sub='p-77', name='Token Tess')}"}
    client = Client(**bearer)
    client.get(f"/api/v1/sites/{site.slug}/me")
    tess = User.objects.get(external_identity__subject="p-77")
    discussion.accept_rules(site=site, user=tess)
    discussion.post_comment(site=site, article=article, author=tess, text="From the app.")
    response = client.get(f"/api/v1/sites/{site.slug}/me/data")
    assert response.status_code == 200
    data = response.json()
    assert data["profile"]["account"] == "subscriber_token"
    assert data["profile"]["publisher_identity"]["sub"] == "p-77"
    assert [c["text"] for c in data["comments"]] == ["From the app."]


def test_the_api_download_needs_someone_signed_in(client, site):
    response = client.get(f"/api/v1/sites/{site.slug}/me/data")
    assert response.status_code == 403
    assert response.json()["code"] == "sign_in_required"


def test_an_admin_downloads_a_readers_data_on_request_with_the_notes(
        client, site, subscriber, site_admin, history):
    client.force_login(site_admin)
    page = client.get(f"/sites/{site.slug}/readers/{subscriber.pk}/data/")
    assert page.status_code == 200
    assert "Sam Subscriber" in page.content.decode()
    response = client.post(f"/sites/{site.slug}/readers/{subscriber.pk}/data/download/",
                           {"note": "Email of 3 March"})
    data = json.loads(response.content)
    assert [n["text"] for n in data["moderator_notes"]] == ["Watch the bridge threads"]
    record = DataRightsRecord.objects.get(site=site, person=subscriber)
    assert (record.actor, record.on_request, record.note) == (site_admin, True,
                                                              "Email of 3 March")
    api = client.get(f"/api/v1/sites/{site.slug}/readers/{subscriber.pk}/data")
    assert api.status_code == 200
    assert api.json()["profile"]["username"] == "sam"


def test_only_this_sites_admins_get_a_readers_data(client, site, subscriber, moderator,
                                                   history):
    other_admin = make_staff(SiteFactory(slug="far"), "admin", "far_admin")
    for person in (moderator, other_admin, subscriber):
        client.force_login(person)
        response = client.get(f"/api/v1/sites/{site.slug}/readers/{subscriber.pk}/data")
        assert response.status_code == 403
        assert response.json()["code"] == "not_site_admin"
    assert not DataRightsRecord.objects.exists()


def test_an_admin_cannot_reach_a_reader_of_another_site(client, site, site_admin):
    stranger = make_subscriber(SiteFactory(slug="far"), username="stranger",
                               accept_rules=False)
    client.force_login(site_admin)
    response = client.get(f"/api/v1/sites/{site.slug}/readers/{stranger.pk}/data")
    assert response.status_code == 404
    assert response.json()["code"] == "reader_not_found"


def test_notifications_and_times_are_in_the_download(client, site, subscriber):
    with time_machine.travel("2026-03-02 10:00Z", tick=False):
        Notification.objects.create(site=site, user=subscriber, message="Hello",
                                    created_at=clock.now())
        client.force_login(subscriber)
        data = _download(client, site)
    assert data["notifications"] == [{"message": "Hello", "link": "", "read_at": None,
                                      "at": "2026-03-02T10:00:00+00:00"}]
    assert data["generated_at"] == "2026-03-02T10:00:00+00:00"


def test_the_download_costs_the_same_queries_however_many_comments(
        site, rules, article, subscriber, django_assert_max_num_queries):
    from belowtheline.accounts.data_rights import data_held_about

    def queries_for(count: int) -> int:
        for number in range(count):
            discussion.post_comment(site=site, article=article, author=subscriber,
                                    text=f"Comment {number} of {count}.")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            data_held_about(site=site, user=subscriber)
        return len(captured)

    few = queries_for(1)
    assert queries_for(6) == few
    with django_assert_max_num_queries(16):
        data_held_about(site=site, user=subscriber)
