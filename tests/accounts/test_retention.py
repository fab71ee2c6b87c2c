"""Retention: the text of comments their authors deleted, and of comments moderators
removed, is purged after the site's `retention_days` (default 90) by the worker's
scheduled upkeep; a comment under an open legal-risk report keeps it until the report is
decided. The tombstone, the replies and the audit trail stay."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command

from belowtheline import clock, worker
from belowtheline.accounts.data_rights import purge_expired_text
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Comment, CommentEdit
from belowtheline.moderation import services as moderation
from belowtheline.moderation.models import AuditEntry

START = "2026-01-05 12:00Z"


@pytest.fixture
def comments(site, rules, article, subscriber, other_subscriber, moderator):
    """On 5 January: one comment deleted by Sam (edited first), one removed by a moderator,
    one still published, and Olive's reply to the deleted one."""
    with time_machine.travel(START, tick=False):
        now = clock.now()
        deleted = discussion.post_comment(site=site, article=article, author=subscriber,
                                          text="Sam takes this back.", now=now)
        discussion.edit_own_comment(site=site, comment_id=deleted.pk, author=subscriber,
                                    text="Sam takes this back, edited.", now=now)
        reply = discussion.post_comment(site=site, article=article, author=other_subscriber,
                                        text="Olive replies.", parent=deleted, now=now)
        discussion.delete_own_comment(site=site, comment_id=deleted.pk, author=subscriber)
        removed = discussion.post_comment(site=site, article=article, author=subscriber,
                                          text="Sam breaks a rule.", now=now)
        moderation.remove_comment(site=site, actor=moderator, comment_id=removed.pk, rule=1)
        kept = discussion.post_comment(site=site, article=article, author=subscriber,
                                       text="Sam stays.", now=now)
    return {"deleted": deleted, "removed": removed, "kept": kept, "reply": reply}


def _text(comment: Comment) -> str:
    return Comment.objects.get(pk=comment.pk).text


def test_nothing_is_purged_before_the_retention_days_have_passed(comments):
    with time_machine.travel("2026-04-04 11:00Z", tick=False):  # 89 days on
        assert purge_expired_text().texts_purged == 0
    assert _text(comments["deleted"]) == "Sam takes this back, edited."


def test_deleted_and_removed_text_is_purged_after_ninety_days(comments, article, client, site):
    with time_machine.travel("2026-04-05 12:01Z", tick=False):  # 90 days on
        summary = purge_expired_text()
    assert summary.texts_purged == 2
    assert _text(comments["deleted"]) == ""
    assert _text(comments["removed"]) == ""
    assert not CommentEdit.objects.filter(comment=comments["deleted"]).exists()
    # Published comments and replies are untouched; the thread keeps its shape.
    assert _text(comments["kept"]) == "Sam stays."
    assert _text(comments["reply"]) == "Olive replies."
    page = client.get(f"/sites/{site.slug}/threads/{article.pk}/").content.decode()
    assert "Deleted by its author" in page
    assert "Removed by a moderator" in page
    assert "Olive replies." in page
    # The moderators' record of the removal is the publisher's, append-only: it stays.
    assert AuditEntry.objects.get(comment=comments["removed"]).text_before == "Sam breaks a rule."


def test_each_site_sets_its_own_retention(site, comments):
    site.retention_days = 30
    site.save()
    with time_machine.travel("2026-02-05 12:01Z", tick=False):
        assert purge_expired_text().texts_purged == 2


def test_an_open_legal_risk_report_keeps_the_text_until_it_is_decided(
        site, rules, article, subscriber, other_subscriber, moderator):
    with time_machine.travel(START, tick=False):
        comment = discussion.post_comment(site=site, article=article, author=subscriber,
                                          text="Possibly defamatory.")
        discussion.report_comment(site=site, comment_id=comment.pk,
                                  reporter=other_subscriber, reason="legal_risk")
        discussion.delete_own_comment(site=site, comment_id=comment.pk, author=subscriber)
    with time_machine.travel("2026-06-01 12:00Z", tick=False):
        summary = purge_expired_text()
        assert (summary.texts_purged, summary.kept_for_legal_reports) == (0, 1)
        assert _text(comment) == "Possibly defamatory."
        moderation.dismiss_reports(site=site, actor=moderator, comment_id=comment.pk)
        assert purge_expired_text().texts_purged == 1
    assert _text(comment) == ""


@pytest.mark.django_db(transaction=True)  # the worker closes its connection when done
def test_btl_worker_runs_the_purge_when_it_starts(comments, run_worker):
    with time_machine.travel("2026-04-06 12:00Z", tick=False):
        run_worker()
    assert _text(comments["deleted"]) == ""
    assert _text(comments["removed"]) == ""


def test_the_upkeep_pass_purges_too(comments):
    with time_machine.travel("2026-04-06 12:00Z", tick=False):
        worker.upkeep()
    assert _text(comments["deleted"]) == ""


def test_the_command_says_what_it_purged(comments, capsys):
    with time_machine.travel("2026-04-06 12:00Z", tick=False):
        call_command("purge_expired_text")
    assert "Purged the text of 2 comments" in capsys.readouterr().out


def test_a_second_run_purges_nothing_more(comments):
    later = clock.now() + timedelta(days=400)
    with time_machine.travel(later, tick=False):
        assert purge_expired_text().texts_purged == 2
        assert purge_expired_text().texts_purged == 0
