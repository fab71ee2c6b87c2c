"""Each moderation action through the API: what it answers, what it changes, and how it
refuses a stale view, a missing rule, an unknown sanction or a bad suspension."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Article, Comment, Report
from belowtheline.moderation import services
from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction
from belowtheline.sites.models import Site
from tests.api.conftest import api_path, send
from tests.conftest import make_staff

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def as_moderator(client_for, moderator):
    return client_for(moderator)


@pytest.fixture
def reported(site, comment, reader):
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason="abusive", note="Name-calling")
    return comment


def _act(client, site: Site, comment: Comment, action: str, body=None):
    return send(client, "post", api_path(site, f"moderation/comments/{comment.pk}/{action}"),
                body)


def _status(comment: Comment) -> str:
    comment.refresh_from_db()
    return comment.status


# --- actions on a comment --------------------------------------------------------------------

def test_dismissing_keeps_the_comment_and_closes_its_reports(as_moderator, site, reported):
    response = _act(as_moderator, site, reported, "dismiss", {"reason": "Fair comment"})

    assert response.status_code == 200
    body = response.json()
    assert (body["comment_id"], body["state"]) == (reported.pk, "published")
    assert body["decision"]["action"] == "dismiss"
    assert body["decision"]["reason"] == "Fair comment"
    assert body["decision"]["actor"] == "mona_k"
    assert body["decision"]["id"] == AuditEntry.objects.get(comment=reported).pk
    assert Report.objects.get(comment=reported).status == Report.Status.DISMISSED


def test_dismissing_needs_no_body(as_moderator, site, reported):
    response = as_moderator.generic(
        "POST", api_path(site, f"moderation/comments/{reported.pk}/dismiss")
    )

    assert response.status_code == 200
    assert response.json()["decision"]["action"] == "dismiss"


def test_dismissing_twice_finds_nothing_left_to_dismiss(as_moderator, site, reported):
    _act(as_moderator, site, reported, "dismiss", {})

    response = _act(as_moderator, site, reported, "dismiss", {})

    assert response.status_code == 409
    assert response.json()["code"] == "no_open_reports"
    assert AuditEntry.objects.filter(comment=reported).count() == 1


def test_amending_answers_with_the_new_text_and_keeps_the_old(as_moderator, site, reported):
    response = _act(as_moderator, site, reported, "amend",
                    {"text": "The bridge is late.", "rule": 1, "reason": "Tone"})

    assert response.status_code == 200
    body = response.json()
    assert body["text"] == "The bridge is late."
    assert body["decision"]["text_before"] == "The bridge is overdue."
    assert body["decision"]["text_after"] == "The bridge is late."
    assert body["decision"]["rule"] == {"number": 1, "title": "Be civil"}
    reported.refresh_from_db()
    assert reported.text == "The bridge is late."
    assert reported.amended_at is not None


def test_removing_leaves_a_tombstone_citing_the_rule(as_moderator, site, reported):
    response = _act(as_moderator, site, reported, "remove", {"rule": 2, "reason": "Off topic"})

    assert response.status_code == 200
    assert response.json()["state"] == "removed"
    assert response.json()["decision"]["text_before"] == "The bridge is overdue."
    reported.refresh_from_db()
    assert (reported.status, reported.moderation_rule.number) == ("removed", 2)
    assert Report.objects.get(comment=reported).status == Report.Status.UPHELD


def test_hold_then_release(as_moderator, site, reported):
    held = _act(as_moderator, site, reported, "hold", {"reason": "Checking a claim"})
    again = _act(as_moderator, site, reported, "hold", {})
    released = _act(as_moderator, site, reported, "release", {})

    assert (held.status_code, held.json()["state"]) == (200, "held")
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")
    assert (released.status_code, released.json()["state"]) == (200, "published")
    assert released.json()["decision"]["action"] == "release"
    assert Report.objects.get(comment=reported).status == Report.Status.DISMISSED


@pytest.fixture
def pending(site, article, subscriber):
    Article.objects.filter(pk=article.pk, site=site).update(comment_mode="premoderated")
    article.refresh_from_db()
    return [
        discussion.post_comment(site=site, article=article, author=subscriber, text=text)
        for text in ("Waiting one", "Waiting two")
    ]


def test_approve_and_reject_comments_awaiting_approval(as_moderator, site, pending):
    first, second = pending
    assert _status(first) == "pending"

    approved = _act(as_moderator, site, first, "approve", {})
    rejected = _act(as_moderator, site, second, "reject", {"reason": "Not about the story"})
    twice = _act(as_moderator, site, first, "approve", {})

    assert (approved.status_code, approved.json()["state"]) == (200, "published")
    assert (rejected.status_code, rejected.json()["state"]) == (200, "removed")
    assert rejected.json()["decision"]["action"] == "reject"
    assert (twice.status_code, twice.json()["code"]) == (409, "already_decided")


def test_a_reject_needs_a_rule_or_a_reason(as_moderator, site, pending):
    response = _act(as_moderator, site, pending[0], "reject", {})

    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert _status(pending[0]) == "pending"


# --- two moderators at once --------------------------------------------------------------------

def test_acting_on_a_stale_view_is_refused_and_changes_nothing(client_for, site, reported,
                                                               moderator, as_moderator):
    colleague = client_for(make_staff(site, "moderator", "max_p", cover="part_time"))
    [row] = as_moderator.get(api_path(site, "moderation/queue")).json()["items"]
    seen = row["last_decision_id"]
    first = _act(colleague, site, reported, "hold", {"seen_decision": seen})

    response = _act(as_moderator, site, reported, "remove", {"rule": 1, "seen_decision": seen})

    assert first.status_code == 200
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_decided"
    assert "max_p" in body["message"]
    assert _status(reported) == "held"
    assert AuditEntry.objects.filter(comment=reported).count() == 1


def test_acting_on_the_latest_view_goes_through(as_moderator, site, reported):
    held = _act(as_moderator, site, reported, "hold", {"seen_decision": 0})

    response = _act(as_moderator, site, reported, "remove",
                    {"rule": 1, "seen_decision": held.json()["decision"]["id"]})

    assert response.status_code == 200
    assert response.json()["state"] == "removed"


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("action", "body", "code", "field"),
    [
        ("remove", {}, "rule_required", "rule"),
        ("remove", {"rule": None}, "rule_required", "rule"),
        ("remove", {"rule": 99}, "rule_invalid", "rule"),
        ("remove", {"rule": 0}, "rule_invalid", "rule"),
        ("remove", {"rule": "1"}, "invalid_input", "rule"),
        ("remove", {"rule": 1, "seen_decision": -1}, "invalid_input", "seen_decision"),
        ("amend", {"text": "x", "reason": "y"}, "rule_required", "rule"),
        ("amend", {"text": "x", "rule": 7, "reason": "y"}, "rule_invalid", "rule"),
        ("amend", {"text": "x", "rule": 1}, "text_empty", "reason"),
        ("amend", {"text": "   ", "rule": 1, "reason": "y"}, "text_empty", "text"),
        ("amend", {"rule": 1, "reason": "y"}, "invalid_input", "text"),
        ("amend", {"text": "x" * 5001, "rule": 1, "reason": "y"}, "text_too_long", "text"),
        ("dismiss", {"reason": 5}, "invalid_input", "reason"),
    ],
)
def test_a_bad_action_is_refused_naming_its_field(as_moderator, site, reported, action, body,
                                                  code, field):
    response = _act(as_moderator, site, reported, action, body)

    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert _status(reported) == "published"
    assert not AuditEntry.objects.exists()


def test_an_unknown_comment_is_not_found(as_moderator, site, rules):
    response = send(as_moderator, "post", api_path(site, "moderation/comments/987654/remove"),
                    {"rule": 1})

    assert response.status_code == 404
    assert response.json()["code"] == "comment_not_found"


# --- authors ---------------------------------------------------------------------------------

def _sanction(client, site, user, body):
    return send(client, "post", api_path(site, f"moderation/users/{user.pk}/sanctions"), body)


@pytest.mark.parametrize(("kind", "days", "ends"), [
    ("premoderation", None, None),
    ("suspension", 3, NOW + timedelta(days=3)),
    ("ban", None, None),
])
def test_sanctioning_an_author(as_moderator, site, subscriber, kind, days, ends):
    with time_machine.travel(NOW, tick=False):
        response = _sanction(as_moderator, site, subscriber,
                             {"kind": kind, "days": days, "reason": "Repeated abuse"})

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["user_id"], body["reason"]) == (kind, subscriber.pk,
                                                               "Repeated abuse")
    sanction = Sanction.objects.get(pk=body["id"])
    assert (sanction.site_id, sanction.kind, sanction.ends_at) == (site.pk, kind, ends)
    assert AuditEntry.objects.get(subject=subscriber).action in {"premoderate", "suspend", "ban"}


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"kind": "flogging", "reason": "r"}, 400, "sanction_invalid", "kind"),
        ({"kind": "", "reason": "r"}, 400, "sanction_invalid", "kind"),
        ({"reason": "r"}, 400, "invalid_input", "kind"),
        ({"kind": "suspension", "reason": "r"}, 400, "days_invalid", "days"),
        ({"kind": "suspension", "days": 0, "reason": "r"}, 400, "days_invalid", "days"),
        ({"kind": "suspension", "days": 3651, "reason": "r"}, 400, "days_invalid", "days"),
        ({"kind": "suspension", "days": -2, "reason": "r"}, 400, "days_invalid", "days"),
        ({"kind": "suspension", "days": "3", "reason": "r"}, 400, "invalid_input", "days"),
        ({"kind": "suspension", "days": 2.5, "reason": "r"}, 400, "invalid_input", "days"),
        ({"kind": "suspension", "days": True, "reason": "r"}, 400, "invalid_input", "days"),
        ({"kind": "ban"}, 400, "text_empty", "reason"),
    ],
)
def test_a_bad_sanction_is_refused(as_moderator, site, subscriber, body, status, code, field):
    response = _sanction(as_moderator, site, subscriber, body)

    assert response.status_code == status
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert not Sanction.objects.exists()
    assert not AuditEntry.objects.exists()


def test_sanctioning_twice_or_oneself_is_refused(as_moderator, site, subscriber, moderator):
    _sanction(as_moderator, site, subscriber, {"kind": "ban", "reason": "Abuse"})

    twice = _sanction(as_moderator, site, subscriber, {"kind": "ban", "reason": "Abuse"})
    oneself = _sanction(as_moderator, site, moderator, {"kind": "ban", "reason": "Oops"})
    nobody = send(as_moderator, "post", api_path(site, "moderation/users/987654/sanctions"),
                  {"kind": "ban", "reason": "r"})

    assert (twice.status_code, twice.json()["code"]) == (409, "already_sanctioned")
    assert (oneself.status_code, oneself.json()["code"]) == (403, "own_account")
    assert (nobody.status_code, nobody.json()["code"]) == (404, "user_not_found")
    assert Sanction.objects.count() == 1


@pytest.fixture
def sanction(site, moderator, subscriber):
    return services.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                                    kind="premoderation", reason="Insults")


def test_lifting_a_sanction_with_a_reason(as_moderator, site, sanction):
    response = send(as_moderator, "post",
                    api_path(site, f"moderation/sanctions/{sanction.pk}/lift"),
                    {"reason": "Apologised"})
    again = send(as_moderator, "post", api_path(site, f"moderation/sanctions/{sanction.pk}/lift"),
                 {})

    assert response.status_code == 200
    assert response.json()["lifted_at"] is not None
    entry = AuditEntry.objects.filter(action="lift_sanction").get()
    assert entry.reason == "Pre-moderation lifted. Apologised"
    assert (again.status_code, again.json()["code"]) == (409, "already_decided")


def test_lifting_a_sanction_by_delete_keeps_it_on_record(as_moderator, site, sanction):
    response = as_moderator.delete(api_path(site, f"moderation/sanctions/{sanction.pk}"))
    unknown = as_moderator.delete(api_path(site, "moderation/sanctions/987654"))

    assert response.status_code == 200
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None
    assert (unknown.status_code, unknown.json()["code"]) == (404, "sanction_not_found")


def test_a_moderator_note_on_an_author(as_moderator, site, subscriber, moderator):
    response = send(as_moderator, "post", api_path(site, f"moderation/users/{subscriber.pk}/notes"),
                    {"text": "  Warned about tone.  "})
    empty = send(as_moderator, "post", api_path(site, f"moderation/users/{subscriber.pk}/notes"),
                 {"text": ""})

    assert response.status_code == 201
    assert (response.json()["text"], response.json()["author"]) == ("Warned about tone.",
                                                                   "Mona_K")
    assert ModeratorNote.objects.get(site=site, user=subscriber).author == moderator
    assert (empty.status_code, empty.json()["code"]) == (400, "text_empty")


def test_removing_all_of_an_authors_comments(as_moderator, site, article, subscriber,
                                             other_subscriber):
    for text in ("Buy now", "Cheap pills", "Click here"):
        discussion.post_comment(site=site, article=article, author=subscriber, text=text)
    survivor = discussion.post_comment(site=site, article=article, author=other_subscriber,
                                       text="A real comment")

    response = send(as_moderator, "post",
                    api_path(site, f"moderation/users/{subscriber.pk}/remove-all"),
                    {"rule": 3, "reason": "Spam wave"})
    missing_rule = send(as_moderator, "post",
                        api_path(site, f"moderation/users/{subscriber.pk}/remove-all"), {})

    assert response.status_code == 200
    assert response.json() == {"removed": 3}
    assert AuditEntry.objects.filter(action="remove", subject=subscriber).count() == 3
    assert _status(survivor) == "published"
    assert (missing_rule.status_code, missing_rule.json()["code"]) == (400, "rule_required")


# --- articles --------------------------------------------------------------------------------

def test_an_editor_sets_an_articles_comment_mode(client_for, site, article):
    editor = client_for(make_staff(site, "editor", "ed_r"))
    path = api_path(site, f"moderation/articles/{article.pk}/comment-mode")

    response = send(editor, "put", path, {"mode": "premoderated"})
    bad = send(editor, "put", path, {"mode": "locked"})
    unknown = send(editor, "put", api_path(site, "moderation/articles/987654/comment-mode"),
                   {"mode": "closed"})

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["comment_mode"]) == (article.pk,
                                                                       "premoderated")
    assert AuditEntry.objects.get(action="comment_mode").text_after == "premoderated"
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (
        400, "comment_mode_invalid", "mode"
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "article_not_found")
