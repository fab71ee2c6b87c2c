"""Posting, replying, editing and deleting through the API: the services' rules, as JSON."""

from datetime import timedelta

import pytest
import time_machine

from belowtheline import clock
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment, CommentEdit
from tests.accounts.factories import SubscriptionFactory
from tests.api.conftest import api_path, send
from tests.conftest import make_subscriber
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.sites.factories import SiteFactory


def comments_path(site, article) -> str:
    return api_path(site, f"articles/{article.pk}/comments")


def comment_path(site, comment, rest: str = "") -> str:
    return api_path(site, f"comments/{comment.pk}{rest}")


def test_subscriber_comment_appears_at_once(as_subscriber, site, article, subscriber):
    response = send(as_subscriber, "post", comments_path(site, article),
                    {"text": "  Good news for commuters.  "})

    assert response.status_code == 201
    body = response.json()
    comment = Comment.objects.get(site=site, pk=body["id"])
    assert comment.author == subscriber
    assert body == {
        "id": comment.pk, "article_id": article.pk, "parent_id": None, "state": "published",
        "text": "Good news for commuters.", "author": {"name": "Sam Subscriber"},
        "created_at": body["created_at"], "edited_at": None, "edited": False,
        "recommendation_count": 0, "in_reply_to": None, "amended": False, "rule_broken": None,
        "viewer": {"own": True, "recommended": False, "reported": False, "can_edit": True},
        "replies": [],
    }
    article.refresh_from_db()
    assert article.comment_count == 1


def test_subscriber_replies_to_a_comment(as_other, site, article, comment):
    response = send(as_other, "post", comments_path(site, article),
                    {"text": "Overdue by ten years.", "parent_id": comment.pk})

    assert response.status_code == 201
    assert response.json()["parent_id"] == comment.pk
    assert response.json()["in_reply_to"] is None
    thread = as_other.get(api_path(site, f"articles/{article.pk}/thread")).json()
    assert [r["id"] for r in thread["comments"][0]["replies"]] == [response.json()["id"]]


def test_a_reply_to_a_reply_names_who_it_answers(as_subscriber, site, article, comment,
                                                  other_subscriber):
    reply = services.post_comment(site=site, article=article, author=other_subscriber,
                                  text="Agreed.", parent=comment)

    response = send(as_subscriber, "post", comments_path(site, article),
                    {"text": "Thanks.", "parent_id": reply.pk})

    assert response.status_code == 201
    assert response.json()["in_reply_to"] == "Olive Other"


def test_a_comment_on_a_premoderated_article_awaits_approval(as_subscriber, site):
    article = ArticleFactory(site=site, comment_mode=Article.CommentMode.PREMODERATED)

    response = send(as_subscriber, "post", comments_path(site, article), {"text": "Hello"})

    assert response.status_code == 201
    assert response.json()["state"] == "awaiting_approval"
    assert response.json()["text"] == "Hello"


def test_a_closed_article_takes_no_comments(as_subscriber, site):
    article = ArticleFactory(site=site, comment_mode=Article.CommentMode.CLOSED)

    response = send(as_subscriber, "post", comments_path(site, article), {"text": "Hello"})

    assert response.status_code == 403
    assert response.json()["code"] == "article_closed"
    assert not Comment.objects.filter(site=site).exists()


def test_a_reply_to_an_unknown_comment_is_not_found(as_subscriber, site, article):
    response = send(as_subscriber, "post", comments_path(site, article),
                    {"text": "Hm.", "parent_id": 999999})

    assert response.status_code == 404
    assert response.json()["code"] == "comment_not_found"
    assert not Comment.objects.filter(site=site).exists()


def test_a_reply_to_a_comment_on_another_article_is_refused(as_other, site, comment):
    elsewhere = ArticleFactory(site=site)

    response = send(as_other, "post", comments_path(site, elsewhere),
                    {"text": "Hm.", "parent_id": comment.pk})

    assert response.status_code == 400
    assert response.json()["code"] == "parent_not_in_article"
    assert response.json()["field"] == "parent_id"
    assert Comment.objects.filter(site=site).count() == 1


def test_a_comment_on_an_unknown_article_is_not_found(as_subscriber, site):
    response = send(as_subscriber, "post", api_path(site, "articles/999999/comments"),
                    {"text": "Hello"})

    assert response.status_code == 404
    assert response.json()["code"] == "article_not_found"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "invalid_input", "text"),
        ({"parent_id": None}, "invalid_input", "text"),
        ({"text": None}, "invalid_input", "text"),
        ({"text": 42}, "invalid_input", "text"),
        ({"text": ""}, "text_empty", "text"),
        ({"text": " \n\t "}, "text_empty", "text"),
        ({"text": "x" * 5001}, "text_too_long", "text"),
        ({"text": "a\ud800b"}, "text_invalid", "text"),
        ({"text": "a\u0000b"}, "text_invalid", "text"),
        ({"text": "Hi", "parent_id": "1"}, "invalid_input", "parent_id"),
        ({"text": "Hi", "parent_id": 0}, "invalid_input", "parent_id"),
        ({"text": "Hi", "parent_id": 2**64}, "invalid_input", "parent_id"),
    ],
)
def test_bad_comment_input_is_refused_naming_its_field(as_subscriber, site, article, body,
                                                       code, field):
    response = send(as_subscriber, "post", comments_path(site, article), body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == field
    assert response.json()["message"]
    assert not Comment.objects.filter(site=site).exists()


def test_a_missing_field_is_listed_among_the_errors(as_subscriber, site, article):
    response = send(as_subscriber, "post", comments_path(site, article), {"parent_id": "x"})

    assert response.json()["code"] == "invalid_input"
    assert {e["field"] for e in response.json()["errors"]} == {"text", "parent_id"}


def test_a_lone_surrogate_escape_in_raw_json_is_refused(as_subscriber, site, article):
    response = send(as_subscriber, "post", comments_path(site, article),
                    b'{"text": "broken \\ud800 pair"}')

    assert response.status_code == 400
    assert response.json()["code"] == "text_invalid"
    assert not Comment.objects.filter(site=site).exists()


def test_text_of_exactly_five_thousand_characters_is_accepted(as_subscriber, site, article):
    response = send(as_subscriber, "post", comments_path(site, article), {"text": "x" * 5000})

    assert response.status_code == 201


def test_anonymous_reader_is_asked_to_sign_in(anonymous, site, article, rules):
    response = send(anonymous, "post", comments_path(site, article), {"text": "Hello"})

    assert response.status_code == 403
    assert response.json()["code"] == "sign_in_required"
    assert not Comment.objects.filter(site=site).exists()


def test_a_reader_who_does_not_subscribe_cannot_comment(as_reader, site, article, rules):
    response = send(as_reader, "post", comments_path(site, article), {"text": "Hello"})

    assert response.status_code == 403
    assert response.json()["code"] == "subscription_required"
    assert not Comment.objects.filter(site=site).exists()


def test_subscriber_must_accept_the_current_rules_before_commenting(client_for, site, article,
                                                                    rules):
    newcomer = make_subscriber(site, accept_rules=False)
    client = client_for(newcomer)

    refused = send(client, "post", comments_path(site, article), {"text": "Hello"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "rules_not_accepted"
    assert client.get(api_path(site, "me")).json()["must_accept_rules"] is True

    accepted = send(client, "post", api_path(site, "rules/acceptance"),
                    {"rules_version_id": rules.pk})
    assert accepted.status_code == 201

    posted = send(client, "post", comments_path(site, article), {"text": "Hello"})
    assert posted.status_code == 201
    assert Comment.objects.filter(site=site, author=newcomer).count() == 1


def test_author_corrects_a_comment_within_the_edit_window(as_subscriber, site, comment):
    response = send(as_subscriber, "patch", comment_path(site, comment),
                    {"text": "The bridge is long overdue."})

    assert response.status_code == 200
    assert response.json()["text"] == "The bridge is long overdue."
    assert response.json()["edited"] is True
    assert response.json()["edited_at"] is not None
    assert response.json()["viewer"]["can_edit"] is True
    edit = CommentEdit.objects.get(site=site, comment=comment)
    assert edit.text_before == "The bridge is overdue."


def test_editing_after_ten_minutes_is_refused(client_for, site, article, subscriber):
    client = client_for(subscriber)
    posted_at = clock.now()
    with time_machine.travel(posted_at, tick=False):
        comment_id = send(client, "post", comments_path(site, article),
                          {"text": "First draft."}).json()["id"]
    with time_machine.travel(posted_at + timedelta(minutes=10, seconds=1), tick=False):
        thread = client.get(api_path(site, f"articles/{article.pk}/thread")).json()
        response = send(client, "patch", api_path(site, f"comments/{comment_id}"),
                        {"text": "Second draft."})

    assert thread["comments"][0]["viewer"]["can_edit"] is False
    assert response.status_code == 403
    assert response.json()["code"] == "edit_window_closed"
    assert Comment.objects.get(site=site, pk=comment_id).text == "First draft."


@pytest.mark.parametrize(("body", "code"), [({"text": "   "}, "text_empty"), ({}, "invalid_input")])
def test_an_edit_needs_text(as_subscriber, site, comment, body, code):
    response = send(as_subscriber, "patch", comment_path(site, comment), body)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == "text"
    comment.refresh_from_db()
    assert comment.text == "The bridge is overdue."


def test_nobody_edits_or_deletes_someone_elses_comment(as_other, site, comment):
    edit = send(as_other, "patch", comment_path(site, comment), {"text": "Vandalised."})
    delete = as_other.delete(comment_path(site, comment))

    assert (edit.status_code, edit.json()["code"]) == (403, "not_your_comment")
    assert (delete.status_code, delete.json()["code"]) == (403, "not_your_comment")
    comment.refresh_from_db()
    assert (comment.text, comment.status) == ("The bridge is overdue.", "published")


def test_editing_or_deleting_an_unknown_comment_is_not_found(as_subscriber, site, comment):
    edit = send(as_subscriber, "patch", api_path(site, "comments/999999"), {"text": "Hi"})
    delete = as_subscriber.delete(api_path(site, "comments/999999"))

    assert (edit.status_code, edit.json()["code"]) == (404, "comment_not_found")
    assert (delete.status_code, delete.json()["code"]) == (404, "comment_not_found")


def test_author_deletes_their_comment(as_subscriber, site, article, comment):
    response = as_subscriber.delete(comment_path(site, comment))

    assert response.status_code == 200
    assert response.json() == {"id": comment.pk, "state": "deleted"}
    comment.refresh_from_db()
    article.refresh_from_db()
    assert comment.status == Comment.Status.DELETED
    assert article.comment_count == 0
    assert as_subscriber.delete(comment_path(site, comment)).status_code == 200


def test_anonymous_reader_cannot_edit_or_delete(anonymous, site, comment):
    edit = send(anonymous, "patch", comment_path(site, comment), {"text": "Hi"})
    delete = anonymous.delete(comment_path(site, comment))

    assert (edit.status_code, edit.json()["code"]) == (403, "sign_in_required")
    assert (delete.status_code, delete.json()["code"]) == (403, "sign_in_required")


@pytest.mark.parametrize(
    ("method", "rest", "body"),
    [
        ("patch", "", {"text": "Hijacked."}),
        ("delete", "", None),
        ("put", "/recommendation", None),
        ("delete", "/recommendation", None),
        ("post", "/reports", {"reason": "spam"}),
    ],
)
def test_a_comment_of_another_site_cannot_be_reached_through_this_one(
    client_for, site, rules, method, rest, body
):
    courier = SiteFactory(slug="courier")
    RulesVersionFactory(site=courier, number=1)
    author = make_subscriber(courier)
    theirs = services.post_comment(site=courier, article=ArticleFactory(site=courier),
                                   author=author, text="Courier comment.")
    # The author is a subscriber here too, so only the site stands between them.
    SubscriptionFactory(site=site, user=author)
    services.accept_rules(site=site, user=author)
    client = client_for(author)

    response = send(client, method, comment_path(site, theirs, rest), body)

    assert response.status_code == 404
    assert response.json()["code"] == "comment_not_found"
    theirs.refresh_from_db()
    assert (theirs.text, theirs.status) == ("Courier comment.", "published")


def test_a_reply_cannot_hang_from_another_sites_comment(as_subscriber, site, article):
    courier = SiteFactory(slug="courier")
    RulesVersionFactory(site=courier, number=1)
    theirs = services.post_comment(site=courier, article=ArticleFactory(site=courier),
                                   author=make_subscriber(courier), text="Courier comment.")

    response = send(as_subscriber, "post", comments_path(site, article),
                    {"text": "Hi", "parent_id": theirs.pk})

    assert response.status_code == 404
    assert response.json()["code"] == "comment_not_found"
    assert not Comment.objects.filter(site=site).exists()


def test_a_burst_of_comments_is_slowed_down(settings, as_subscriber, site, article):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "1/60"}
    send(as_subscriber, "post", comments_path(site, article), {"text": "One"})

    response = send(as_subscriber, "post", comments_path(site, article), {"text": "Two"})

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert Comment.objects.filter(site=site).count() == 1
