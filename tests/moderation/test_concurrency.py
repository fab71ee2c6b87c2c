"""Two moderators on one comment at once: the second is told, nothing is applied twice."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from belowtheline.accounts.models import Notification
from belowtheline.discussion.models import Comment, Report
from belowtheline.errors import BtlError
from belowtheline.moderation import services
from belowtheline.moderation.models import AuditEntry


def test_second_moderator_working_from_a_stale_view_is_told_it_was_decided(
    site, reported, moderator, second_moderator
):
    seen = 0  # both loaded the queue before anyone acted
    services.remove_comment(site=site, actor=moderator, comment_id=reported.pk, rule=1,
                            seen_decision=seen)
    with pytest.raises(services.AlreadyDecided) as exc:
        services.dismiss_reports(site=site, actor=second_moderator, comment_id=reported.pk,
                                 seen_decision=seen)
    assert "mona_k already acted on this comment" in exc.value.message
    assert exc.value.status == 409
    assert [e.action for e in AuditEntry.objects.all()] == ["remove"]
    assert Report.objects.get().status == Report.Status.UPHELD


@pytest.mark.django_db(transaction=True)
def test_two_moderators_removing_at_the_same_moment_apply_it_once(
    site, rules, article, subscriber, reader, moderator, second_moderator
):
    from belowtheline.discussion import services as discussion

    comment = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text="Contested")
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                              reason="abusive")
    start = Barrier(2)

    def remove(actor) -> str:
        try:
            start.wait()
            services.remove_comment(site=site, actor=actor, comment_id=comment.pk, rule=1)
        except BtlError as error:
            return error.code
        finally:
            connection.close()
        return "removed"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(remove, [moderator, second_moderator]))

    assert outcomes == ["already_decided", "removed"]
    assert AuditEntry.objects.filter(comment=comment).count() == 1
    article.refresh_from_db()
    assert article.comment_count == 0
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED
    # The author and the reporter are each told once.
    assert Notification.objects.filter(user=subscriber).count() == 1
    assert Notification.objects.filter(user=reader).count() == 1
