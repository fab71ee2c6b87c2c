"""What moderators read through the API: the queue's tabs and filters, each row in context,
the audit trail per site, comment and author, and the cover in force."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from belowtheline.discussion import services as discussion
from belowtheline.moderation import services
from belowtheline.sites.services import seed_default_cover
from tests.api.conftest import api_path
from tests.conftest import make_subscriber
from tests.discussion.factories import ArticleFactory

WEDNESDAY_NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # full-time cover (GMT)


@pytest.fixture
def as_moderator(client_for, moderator):
    return client_for(moderator)


@pytest.fixture
def readers(db):
    from tests.accounts.factories import UserFactory

    return [UserFactory(username=f"complainer{i}") for i in range(4)]


def _report(site, comment, reader, reason, note="", now=None):
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader, reason=reason,
                              note=note, now=now)


def _queue(client, site, query=""):
    response = client.get(api_path(site, f"moderation/queue{query}"))
    assert response.status_code == 200, response.content
    return response.json()


def test_reported_row_shows_the_comment_in_context(site, article, subscriber, other_subscriber,
                                                   readers, moderator, as_moderator):
    seed_default_cover(site=site)  # full-time at noon: three reports do not hold it
    parent = discussion.post_comment(site=site, article=article, author=other_subscriber,
                                     text="The bridge will cost millions.")
    reply = discussion.post_comment(site=site, article=article, author=subscriber,
                                    text="Only an idiot would say that.", parent=parent)
    _report(site, reply, readers[0], "abusive", note="Calls someone an idiot",
            now=WEDNESDAY_NOON)
    _report(site, reply, readers[1], "abusive", now=WEDNESDAY_NOON)
    _report(site, reply, readers[2], "off_topic", now=WEDNESDAY_NOON)
    services.add_moderator_note(site=site, actor=moderator, user_id=subscriber.pk,
                                text="Warned before")
    services.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                             kind="premoderation", reason="Insults")

    body = _queue(as_moderator, site)

    assert body["tab"] == "reported"
    assert body["count"] == 1
    [row] = body["items"]
    assert row["comment"]["id"] == reply.pk
    assert row["comment"]["text"] == "Only an idiot would say that."
    assert row["comment"]["state"] == "published"
    assert row["comment"]["article"] == {"id": article.pk, "title": article.title}
    assert row["comment"]["parent"]["text"] == "The bridge will cost millions."
    assert row["comment"]["parent"]["author"] == other_subscriber.public_name
    author = row["comment"]["author"]
    assert (author["id"], author["name"]) == (subscriber.pk, "Sam Subscriber")
    assert author["record"]["comments_posted"] == 1
    assert author["record"]["reports_upheld"] == 0
    assert [s["kind"] for s in author["record"]["sanctions"]] == ["premoderation"]
    assert [n["text"] for n in author["record"]["notes"]] == ["Warned before"]
    assert author["record"]["notes"][0]["author"] == moderator.public_name
    assert row["open_reports"] == 3
    assert row["reasons"] == {"abusive": 2, "off_topic": 1}
    assert row["notes"] == ["Calls someone an idiot"]
    assert row["legal_risk"] is False
    assert row["first_report_at"]
    assert row["score"] > 0
    assert row["last_decision_id"] == 0  # nothing decided about this comment yet


def test_legal_risk_comes_first_and_filters_narrow_the_queue(site, article, subscriber,
                                                             readers, as_moderator):
    other_article = ArticleFactory(site=site, title="Trial opens")
    spam = discussion.post_comment(site=site, article=article, author=subscriber,
                                   text="Cheap watches here", now=WEDNESDAY_NOON)
    risky = discussion.post_comment(site=site, article=other_article, author=subscriber,
                                    text="The defendant is obviously guilty",
                                    now=WEDNESDAY_NOON + timedelta(minutes=1))
    for reader in readers[:3]:
        _report(site, spam, reader, "spam", now=WEDNESDAY_NOON + timedelta(minutes=5))
    _report(site, risky, readers[3], "legal_risk", now=WEDNESDAY_NOON + timedelta(minutes=6))

    everything = _queue(as_moderator, site)
    legal = _queue(as_moderator, site, "?reason=legal_risk")
    by_article = _queue(as_moderator, site, f"?article={article.pk}")
    searched = _queue(as_moderator, site, "?q=watches")

    assert [r["comment"]["id"] for r in everything["items"]] == [risky.pk, spam.pk]
    assert everything["items"][0]["legal_risk"] is True
    assert [r["comment"]["id"] for r in legal["items"]] == [risky.pk]
    assert [r["comment"]["id"] for r in by_article["items"]] == [spam.pk]
    assert [r["comment"]["id"] for r in searched["items"]] == [spam.pk]


def test_held_and_recent_tabs(site, article, subscriber, moderator, as_moderator):
    first = discussion.post_comment(site=site, article=article, author=subscriber, text="One")
    second = discussion.post_comment(site=site, article=article, author=subscriber, text="Two")
    services.hold_comment(site=site, actor=moderator, comment_id=first.pk)

    held = _queue(as_moderator, site, "?tab=held")
    recent = _queue(as_moderator, site, "?tab=recent")

    assert [r["comment"]["id"] for r in held["items"]] == [first.pk]
    assert held["items"][0]["comment"]["state"] == "held"
    assert held["items"][0]["last_decision_id"] > 0
    assert [r["comment"]["id"] for r in recent["items"]] == [second.pk, first.pk]


@pytest.mark.parametrize("query", ["?tab=decided", "?reason=boring", "?article=0",
                                   "?article=x", "?q=a%00b"])
def test_a_bad_queue_filter_is_refused(site, as_moderator, query):
    response = as_moderator.get(api_path(site, f"moderation/queue{query}"))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_the_queue_costs_the_same_queries_for_one_row_or_many(
    site, rules, article, readers, as_moderator, django_assert_max_num_queries
):
    authors = [make_subscriber(site, username=f"author{i}") for i in range(6)]
    comments = [discussion.post_comment(site=site, article=article, author=a, text=f"No. {i}")
                for i, a in enumerate(authors)]
    _report(site, comments[0], readers[0], "spam")
    with django_assert_max_num_queries(20) as one:
        _queue(as_moderator, site)
    for comment in comments[1:]:
        for reader in readers[:2]:
            _report(site, comment, reader, "abusive", note="Rude")

    with django_assert_max_num_queries(len(one.captured_queries)):
        body = _queue(as_moderator, site)

    assert body["count"] == 6


def test_the_audit_trail_per_site_comment_and_author(site, article, reported_comment,
                                                     subscriber, moderator, as_moderator):
    services.amend_comment(site=site, actor=moderator, comment_id=reported_comment.pk,
                           text="The council has questions to answer.", rule=1,
                           reason="Unsupported allegation")
    services.add_moderator_note(site=site, actor=moderator, user_id=subscriber.pk,
                                text="First warning")

    trail = as_moderator.get(api_path(site, "moderation/decided")).json()["entries"]
    limited = as_moderator.get(api_path(site, "moderation/decided?limit=1")).json()["entries"]
    of_comment = as_moderator.get(
        api_path(site, f"moderation/comments/{reported_comment.pk}/audit")
    ).json()["entries"]
    of_author = as_moderator.get(api_path(site, f"moderation/users/{subscriber.pk}/audit")).json()

    assert [e["action"] for e in trail] == ["note", "amend"]
    assert [e["action"] for e in limited] == ["note"]
    [amended] = of_comment
    assert amended["actor"] == "mona_k"
    assert amended["rule"] == {"number": 1, "title": "Be civil"}
    assert amended["text_before"] == "The bridge is overdue. Also the mayor is a crook."
    assert amended["text_after"] == "The council has questions to answer."
    assert amended["reason"] == "Unsupported allegation"
    assert amended["cover"] in {"full_time", "part_time", "none"}
    assert of_author["name"] == "Sam Subscriber"
    assert of_author["record"]["reports_upheld"] == 1
    assert [e["action"] for e in of_author["entries"]] == ["amend", "note"]


def test_an_unknown_comment_or_author_is_not_found(site, as_moderator, reader):
    comment = as_moderator.get(api_path(site, "moderation/comments/999999/audit"))
    stranger = as_moderator.get(api_path(site, f"moderation/users/{reader.pk}/audit"))

    assert (comment.status_code, comment.json()["code"]) == (404, "comment_not_found")
    assert (stranger.status_code, stranger.json()["code"]) == (404, "user_not_found")


def test_the_cover_in_force_now_and_until_when(site, as_moderator):
    seed_default_cover(site=site)

    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        response = as_moderator.get(api_path(site, "moderation/cover"))

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "full_time"
    assert body["label"] == "Full-time"
    assert body["until"].startswith("2026-11-25T18:00:00")
    assert "9am–6pm on weekdays" in body["schedule"]


@pytest.fixture
def reported_comment(site, article, subscriber, reader):
    comment = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text="The bridge is overdue. Also the mayor is a crook.")
    _report(site, comment, reader, "abusive")
    return comment


def test_the_openapi_description_documents_the_moderation_errors(client):
    schema = client.get("/api/v1/openapi.json").json()
    remove = schema["paths"]["/api/v1/sites/{site}/moderation/comments/{comment_id}/remove"]

    responses = remove["post"]["responses"]
    assert "already_decided" in responses["409"]["description"]
    assert "not_a_moderator" in responses["403"]["description"]
    assert "rule_required" in responses["400"]["description"]
