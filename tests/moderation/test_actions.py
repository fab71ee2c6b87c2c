"""Each moderator action: what it changes, what it records, whom it tells."""

from datetime import timedelta

import pytest
from django.core import mail

from belowtheline import clock
from belowtheline.accounts.models import Notification
from belowtheline.discussion import selectors as thread
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Article, Comment, Report
from belowtheline.moderation import services
from belowtheline.moderation.errors import AlreadyDecided, ModerationError
from belowtheline.moderation.models import AuditEntry
from tests.conftest import make_subscriber


def _entries(comment):
    return list(AuditEntry.objects.filter(comment=comment).order_by("pk"))


def _public_entry(site, article, comment):
    article.refresh_from_db()
    page = thread.thread_page(site=site, article=article, sort=thread.Sort.OLDEST, page=1,
                              viewer=make_subscriber(site, username=f"viewer{comment.pk}"))
    return next(e for e in page.entries if e.comment.pk == comment.pk)


def test_dismissing_keeps_the_comment_and_tells_the_reporter(site, article, reported,
                                                             moderator, reader):
    services.dismiss_reports(site=site, actor=moderator, comment_id=reported.pk,
                             reason="Fair comment")
    reported.refresh_from_db()
    assert reported.status == Comment.Status.PUBLISHED
    assert Report.objects.get().status == Report.Status.DISMISSED
    [entry] = _entries(reported)
    assert (entry.action, entry.actor, entry.reason) == ("dismiss", moderator, "Fair comment")
    [note] = Notification.objects.filter(user=reader)
    assert "does not break the rules" in note.message
    assert moderator.username not in note.message


def test_amending_keeps_the_original_in_the_audit_trail(site, article, reported, moderator,
                                                        rules, subscriber, reader):
    services.amend_comment(site=site, actor=moderator, comment_id=reported.pk,
                           text="The council has questions to answer.", rule=1,
                           reason="Unsupported allegation of corruption")
    reported.refresh_from_db()
    assert reported.text == "The council has questions to answer."
    [entry] = _entries(reported)
    assert entry.text_before == "The council is corrupt, everyone knows it."
    assert entry.text_after == "The council has questions to answer."
    assert (entry.rule.number, entry.action) == (1, "amend")
    shown = _public_entry(site, article, reported)
    assert shown.amended
    assert shown.shows_text
    assert Report.objects.get().status == Report.Status.UPHELD
    [told] = Notification.objects.filter(user=subscriber)
    assert "amended your comment under rule 1" in told.message


def test_removing_leaves_a_tombstone_citing_the_rule_and_keeps_the_text(
    site, article, reported, moderator, subscriber, reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_comment(site=site, actor=moderator, comment_id=reported.pk, rule=2,
                                reason="Personal attack")
    reported.refresh_from_db()
    article.refresh_from_db()
    assert reported.status == Comment.Status.REMOVED
    assert reported.text == "The council is corrupt, everyone knows it."  # never hard-deleted
    assert article.comment_count == 0
    shown = _public_entry(site, article, reported)
    assert (shown.state, shown.shows_text, shown.rule_broken.number) == ("removed", False, 2)
    assert shown.rule_broken.get_absolute_url().endswith("/rules/v1/#rule-2")
    [entry] = _entries(reported)
    assert entry.text_before == reported.text
    author_note = Notification.objects.get(user=subscriber)
    assert "removed your comment under rule 2" in author_note.message
    reporter_note = Notification.objects.get(user=reader)
    assert "agreed and have acted" in reporter_note.message
    assert moderator.username not in reporter_note.message
    assert sorted(m.to[0] for m in mail.outbox) == sorted([subscriber.email, reader.email])


def test_a_removal_must_cite_a_rule_of_the_current_rules(site, reported, moderator):
    for rule, code in [(None, "rule_required"), (99, "rule_invalid"), ("four", "rule_invalid")]:
        with pytest.raises(ModerationError) as exc:
            services.remove_comment(site=site, actor=moderator, comment_id=reported.pk,
                                    rule=rule)
        assert (exc.value.code, exc.value.field) == (code, "rule")
    reported.refresh_from_db()
    assert reported.status == Comment.Status.PUBLISHED
    assert not AuditEntry.objects.exists()


def test_hold_and_release(site, article, comment, moderator, reader):
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader, reason="other")
    services.hold_comment(site=site, actor=moderator, comment_id=comment.pk, reason="Checking")
    comment.refresh_from_db()
    article.refresh_from_db()
    assert (comment.status, article.comment_count) == (Comment.Status.HELD, 0)
    assert _public_entry(site, article, comment).state == "being_reviewed"
    services.release_comment(site=site, actor=moderator, comment_id=comment.pk)
    comment.refresh_from_db()
    article.refresh_from_db()
    assert (comment.status, article.comment_count) == (Comment.Status.PUBLISHED, 1)
    assert Report.objects.get().status == Report.Status.DISMISSED
    assert [e.action for e in _entries(comment)] == ["hold", "release"]


def test_approve_and_reject_comments_awaiting_approval(site, subscriber, other_subscriber,
                                                       moderator):
    from tests.discussion.factories import ArticleFactory

    sensitive = ArticleFactory(site=site, comment_mode=Article.CommentMode.PREMODERATED)
    good = discussion.post_comment(site=site, article=sensitive, author=subscriber, text="Ok")
    bad = discussion.post_comment(site=site, article=sensitive, author=other_subscriber,
                                  text="Names the accused")
    services.approve_comment(site=site, actor=moderator, comment_id=good.pk)
    services.reject_comment(site=site, actor=moderator, comment_id=bad.pk, rule=3,
                            reason="Contempt of court risk")
    good.refresh_from_db()
    bad.refresh_from_db()
    sensitive.refresh_from_db()
    assert (good.status, bad.status, sensitive.comment_count) == ("published", "removed", 1)
    assert "rejected your comment under rule 3" in Notification.objects.get(
        user=other_subscriber).message
    with pytest.raises(AlreadyDecided):
        services.approve_comment(site=site, actor=moderator, comment_id=good.pk)


def test_bulk_removal_of_a_spam_wave_writes_one_entry_per_comment(site, rules, article, moderator,
                                                                  settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "1000/60"}
    spammer = make_subscriber(site, username="spammer")
    keeper = make_subscriber(site, username="keeper")
    spam = [discussion.post_comment(site=site, article=article, author=spammer,
                                    text=f"Cheap watches {n}") for n in range(5)]
    kept = discussion.post_comment(site=site, article=article, author=keeper, text="Real")
    removed = services.remove_all_by_author(site=site, actor=moderator, user_id=spammer.pk,
                                            rule=3, reason="Spam wave")
    assert removed == 5
    assert AuditEntry.objects.filter(action="remove").count() == 5
    assert set(Comment.objects.filter(pk__in=[c.pk for c in spam])
               .values_list("status", flat=True)) == {"removed"}
    kept.refresh_from_db()
    article.refresh_from_db()
    assert (kept.status, article.comment_count) == ("published", 1)


def test_editor_sets_comment_mode_and_it_is_audited(site, article, editor, moderator,
                                                    subscriber):
    services.set_comment_mode(site=site, actor=editor, article_id=article.pk, mode="closed")
    article.refresh_from_db()
    assert article.comment_mode == "closed"
    entry = AuditEntry.objects.get(action="comment_mode")
    assert (entry.text_before, entry.text_after, entry.article) == ("open", "closed", article)
    with pytest.raises(ModerationError) as exc:
        services.set_comment_mode(site=site, actor=moderator, article_id=article.pk,
                                  mode="open")
    assert exc.value.code == "not_an_editor"
    with pytest.raises(ModerationError):
        services.set_comment_mode(site=site, actor=editor, article_id=article.pk, mode="ajar")


def test_auto_close_after_n_days_refuses_and_shows_on_the_thread(site, rules, subscriber):
    from belowtheline.discussion.errors import Forbidden
    from belowtheline.discussion.publishing import why_closed
    from tests.discussion.factories import ArticleFactory

    site.close_threads_after_days = 3
    site.save()
    old = ArticleFactory(site=site, published_at=clock.now() - timedelta(days=3, minutes=1))
    fresh = ArticleFactory(site=site, published_at=clock.now() - timedelta(days=2))
    with pytest.raises(Forbidden) as exc:
        discussion.post_comment(site=site, article=old, author=subscriber, text="Late")
    assert exc.value.code == "article_closed"
    assert "3 days after publication" in why_closed(old, clock.now()).message
    discussion.post_comment(site=site, article=fresh, author=subscriber, text="In time")


def test_sanctions_and_notes_only_for_people_known_to_the_site(site, moderator, db):
    from tests.accounts.factories import UserFactory

    stranger = UserFactory(username="never_here")
    with pytest.raises(services.NotFound) as exc:
        services.sanction_author(site=site, actor=moderator, user_id=stranger.pk, kind="ban",
                                 reason="Who?")
    assert exc.value.code == "user_not_found"
    with pytest.raises(services.NotFound):
        services.add_moderator_note(site=site, actor=moderator, user_id=stranger.pk, text="x")
    assert not AuditEntry.objects.exists()


def test_dismissing_a_comment_with_no_open_reports_says_so(site, comment, moderator):
    with pytest.raises(AlreadyDecided) as exc:
        services.dismiss_reports(site=site, actor=moderator, comment_id=comment.pk)
    assert exc.value.code == "no_open_reports"


@pytest.mark.parametrize(("role", "allowed"), [("moderator", False), ("editor", False),
                                               ("site_admin", True)])
def test_only_site_admins_may_export_the_audit_trail(request, site, role, allowed):
    person = request.getfixturevalue(role)
    if allowed:
        assert services.check_can_export_audit(site=site, actor=person) == person
    else:
        with pytest.raises(services.NotAllowed):
            services.check_can_export_audit(site=site, actor=person)


def test_a_line_break_in_the_sites_name_does_not_stop_the_authors_email(
    site, article, reported, moderator, subscriber, django_capture_on_commit_callbacks
):
    site.name = "The Courier\r\nBcc: everyone@example.com"
    site.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_comment(site=site, actor=moderator, comment_id=reported.pk, rule=2,
                                reason="Personal attack")
    told = [m for m in mail.outbox if m.to == [subscriber.email]]
    assert len(told) == 1
    assert told[0].subject == "The Courier Bcc: everyone@example.com: about your comment"
    assert told[0].bcc == []
