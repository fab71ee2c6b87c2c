"""Authors' own edits and deletions: a short edit window, and tombstones that keep replies
in place."""

from datetime import timedelta

import pytest
import time_machine

from belowtheline import clock
from belowtheline.discussion import selectors, services
from belowtheline.discussion.errors import Conflict, Forbidden
from belowtheline.discussion.models import Comment, CommentEdit
from belowtheline.discussion.selectors import Sort


def _thread(site, article, viewer):
    return selectors.thread_page(site=site, article=article, sort=Sort.OLDEST, page=1,
                                 viewer=viewer)


def test_author_edit_within_ten_minutes_is_marked_and_keeps_the_old_text(
    site, article, subscriber
):
    start = clock.now()
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="Teh bridge", now=start)
    edited = services.edit_own_comment(site=site, comment_id=comment.pk, author=subscriber,
                                       text="The bridge", now=start + timedelta(minutes=10))
    assert edited.text == "The bridge"
    assert edited.is_edited
    assert list(CommentEdit.objects.values_list("text_before", flat=True)) == ["Teh bridge"]


def test_edit_after_ten_minutes_is_refused(site, article, subscriber):
    with time_machine.travel(clock.now(), tick=False) as traveller:
        comment = services.post_comment(site=site, article=article, author=subscriber, text="A")
        traveller.shift(timedelta(minutes=10, seconds=1))
        with pytest.raises(Forbidden) as exc:
            services.edit_own_comment(site=site, comment_id=comment.pk, author=subscriber,
                                      text="B")
    assert exc.value.code == "edit_window_closed"
    comment.refresh_from_db()
    assert comment.text == "A"
    assert not comment.is_edited


def test_nobody_edits_or_deletes_someone_elses_comment(site, article, subscriber,
                                                       other_subscriber):
    comment = services.post_comment(site=site, article=article, author=subscriber, text="Mine")
    with pytest.raises(Forbidden) as exc:
        services.edit_own_comment(site=site, comment_id=comment.pk, author=other_subscriber,
                                  text="Yours now")
    assert exc.value.code == "not_your_comment"
    with pytest.raises(Forbidden):
        services.delete_own_comment(site=site, comment_id=comment.pk, author=other_subscriber)
    comment.refresh_from_db()
    assert (comment.text, comment.status) == ("Mine", Comment.Status.PUBLISHED)


def test_deleting_a_comment_without_replies_makes_it_disappear(site, article, subscriber):
    comment = services.post_comment(site=site, article=article, author=subscriber, text="Oops")
    services.delete_own_comment(site=site, comment_id=comment.pk, author=subscriber)
    article.refresh_from_db()
    assert article.comment_count == 0
    assert _thread(site, article, subscriber).entries == []


def test_deleting_a_comment_with_replies_leaves_a_tombstone(site, article, subscriber,
                                                            other_subscriber):
    top = services.post_comment(site=site, article=article, author=subscriber, text="Top")
    services.post_comment(site=site, article=article, author=other_subscriber, text="Reply",
                          parent=top)
    services.delete_own_comment(site=site, comment_id=top.pk, author=subscriber)
    page = _thread(site, article, other_subscriber)
    [entry] = page.entries
    assert entry.state == "deleted"
    assert not entry.shows_text
    assert [r.comment.text for r in entry.replies] == ["Reply"]
    article.refresh_from_db()
    assert article.comment_count == 1


def test_deleting_twice_counts_once(site, article, subscriber):
    comment = services.post_comment(site=site, article=article, author=subscriber, text="Once")
    services.delete_own_comment(site=site, comment_id=comment.pk, author=subscriber)
    services.delete_own_comment(site=site, comment_id=comment.pk, author=subscriber)
    article.refresh_from_db()
    assert article.comment_count == 0


def test_author_cannot_undo_a_moderators_removal_by_deleting(site, article, subscriber):
    comment = services.post_comment(site=site, article=article, author=subscriber, text="Bad")
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.REMOVED)
    with pytest.raises(Conflict):
        services.delete_own_comment(site=site, comment_id=comment.pk, author=subscriber)


def test_held_comment_shows_its_text_only_to_its_author(site, article, subscriber,
                                                        other_subscriber):
    comment = services.post_comment(site=site, article=article, author=subscriber, text="Hmm")
    Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.HELD)
    [own] = _thread(site, article, subscriber).entries
    [theirs] = _thread(site, article, other_subscriber).entries
    assert (own.state, own.shows_text) == ("under_review", True)
    assert (theirs.state, theirs.shows_text) == ("being_reviewed", False)
