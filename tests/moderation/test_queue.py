"""The Reported tab's order: legal risk first, then the priority score."""

from datetime import timedelta

import pytest

from belowtheline import clock
from belowtheline.discussion import services as discussion
from belowtheline.moderation import selectors, services
from belowtheline.moderation.selectors import QueueFilters, report_priority


def test_priority_weighs_reporters_by_their_track_record():
    trusted = report_priority(open_reports=1, reporter_records=[1.0], age_hours=0)
    unknown = report_priority(open_reports=1, reporter_records=[None], age_hours=0)
    ignored = report_priority(open_reports=1, reporter_records=[0.0], age_hours=0)
    assert trusted > unknown > ignored
    assert report_priority(open_reports=3, reporter_records=[None] * 3, age_hours=0) > trusted


def test_priority_grows_with_age_for_a_day_then_stops():
    young = report_priority(open_reports=1, reporter_records=[None], age_hours=1)
    day = report_priority(open_reports=1, reporter_records=[None], age_hours=24)
    week = report_priority(open_reports=1, reporter_records=[None], age_hours=24 * 7)
    assert young < day == week


@pytest.fixture
def comments(site, article, subscriber, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "1000/60"}
    return [discussion.post_comment(site=site, article=article, author=subscriber,
                                    text=f"Comment {n}") for n in range(4)]


def test_reported_tab_puts_legal_risk_first_then_score(site, comments, readers, moderator):
    quiet, busy, legal, trusted = comments
    now = clock.now()
    discussion.report_comment(site=site, comment_id=quiet.pk, reporter=readers[0],
                              reason="spam", now=now)
    for reader in readers[:3]:
        discussion.report_comment(site=site, comment_id=busy.pk, reporter=reader,
                                  reason="abusive", now=now)
    discussion.report_comment(site=site, comment_id=legal.pk, reporter=readers[5],
                              reason="legal_risk", now=now)
    # readers[4] has a perfect record: two earlier reports, both upheld.
    for n in range(2):
        old = discussion.post_comment(site=site, article=legal.article,
                                      author=legal.author, text=f"Old {n}")
        discussion.report_comment(site=site, comment_id=old.pk, reporter=readers[4],
                                  reason="spam", now=now - timedelta(days=2))
        services.remove_comment(site=site, actor=moderator, comment_id=old.pk, rule=3)
    discussion.report_comment(site=site, comment_id=trusted.pk, reporter=readers[4],
                              reason="spam", now=now)
    queue = selectors.reported_queue(site=site, now=now).items
    assert [item.comment for item in queue] == [legal, busy, trusted, quiet]
    busy_item = queue[1]
    assert (busy_item.open_reports, busy_item.reasons["abusive"]) == (3, 3)
    assert queue[0].legal_risk


def test_queue_filters_by_reason_article_and_search(site, comments, readers):
    from tests.discussion.factories import ArticleFactory

    discussion.report_comment(site=site, comment_id=comments[0].pk, reporter=readers[0],
                              reason="spam")
    discussion.report_comment(site=site, comment_id=comments[1].pk, reporter=readers[0],
                              reason="off_topic")
    now = clock.now()
    spam = selectors.reported_queue(site=site, now=now, filters=QueueFilters(reason="spam")).items
    assert [i.comment for i in spam] == [comments[0]]
    found = selectors.reported_queue(site=site, now=now,
                                     filters=QueueFilters(search="ment 1")).items
    assert [i.comment for i in found] == [comments[1]]
    elsewhere = ArticleFactory(site=site)
    assert selectors.reported_queue(site=site, now=now,
                                    filters=QueueFilters(article_id=elsewhere.pk)).items == []


def test_queue_shows_the_authors_record(site, comments, readers, moderator, subscriber):
    services.add_moderator_note(site=site, actor=moderator, user_id=subscriber.pk,
                                 text="Warned by email")
    services.sanction_author(site=site, actor=moderator, user_id=subscriber.pk,
                              kind="premoderation", reason="Repeated insults")
    discussion.report_comment(site=site, comment_id=comments[0].pk, reporter=readers[0],
                              reason="abusive")
    [item] = selectors.reported_queue(site=site, now=clock.now()).items
    assert item.author.comments_posted == 4
    assert [n.text for n in item.author.notes] == ["Warned by email"]
    assert [s.kind for s in item.author.sanctions] == ["premoderation"]


def test_another_sites_reports_never_show(other_site, reported, foreign_moderator):
    assert selectors.reported_queue(site=other_site, now=clock.now()).items == []
