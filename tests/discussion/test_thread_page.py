"""How a thread reads: order, pages of 50, replies one level deep, and what each viewer sees."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from belowtheline import clock
from belowtheline.discussion import selectors, services
from belowtheline.discussion.errors import DiscussionError
from belowtheline.discussion.selectors import PAGE_SIZE, Sort
from tests.conftest import make_subscriber


def _page(site, article, sort=Sort.NEWEST, page=1, viewer=None):
    return selectors.thread_page(site=site, article=article, sort=sort, page=page,
                                 viewer=viewer or AnonymousUser())


@pytest.fixture
def three(site, article, subscriber, other_subscriber):
    """Three top-level comments a minute apart; the middle one is the most recommended."""
    start = clock.now() - timedelta(hours=1)
    first, middle, last = (
        services.post_comment(site=site, article=article, author=subscriber, text=text,
                              now=start + timedelta(minutes=i))
        for i, text in enumerate(["first", "middle", "last"])
    )
    services.recommend_comment(site=site, comment_id=middle.pk, user=other_subscriber)
    return first, middle, last


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (Sort.NEWEST, ["last", "middle", "first"]),
        (Sort.OLDEST, ["first", "middle", "last"]),
        (Sort.MOST_RECOMMENDED, ["middle", "last", "first"]),
    ],
)
def test_thread_sorts(site, article, three, sort, expected):
    page = _page(site, article, sort=sort)
    assert [e.comment.text for e in page.entries] == expected


def test_fifty_top_level_comments_a_page_then_show_more(site, rules, article, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}
    author = make_subscriber(site, username="prolific")
    start = clock.now() - timedelta(days=1)
    for n in range(PAGE_SIZE + 3):
        services.post_comment(site=site, article=article, author=author, text=f"c{n}",
                              now=start + timedelta(seconds=n))
    article.refresh_from_db()
    first = _page(site, article, sort=Sort.OLDEST)
    second = _page(site, article, sort=Sort.OLDEST, page=2)
    assert (len(first.entries), first.has_more) == (50, True)
    assert [e.comment.text for e in second.entries] == ["c50", "c51", "c52"]
    assert not second.has_more
    assert first.comment_count == 53


def test_replies_nest_one_level_and_name_whom_they_answer(site, article, subscriber,
                                                         other_subscriber):
    top = services.post_comment(site=site, article=article, author=subscriber, text="Top")
    reply = services.post_comment(site=site, article=article, author=other_subscriber,
                                  text="Reply", parent=top)
    services.post_comment(site=site, article=article, author=subscriber, text="Deeper",
                          parent=reply)
    [entry] = _page(site, article).entries
    assert [(r.comment.text, r.in_reply_to) for r in entry.replies] == [
        ("Reply", None),
        ("Deeper", "Olive Other"),
    ]


def test_viewer_sees_what_they_recommended_and_reported(site, article, three, other_subscriber,
                                                        reader):
    first, middle, _ = three
    services.report_comment(site=site, comment_id=first.pk, reporter=reader, reason="spam")
    by_text = {e.comment.text: e for e in _page(site, article, viewer=reader).entries}
    assert by_text["first"].viewer_reported
    assert not by_text["middle"].viewer_reported
    by_text = {e.comment.text: e for e in _page(site, article, viewer=other_subscriber).entries}
    assert by_text["middle"].viewer_recommended
    assert not by_text["first"].viewer_recommended


def test_deleted_reply_without_answers_disappears_but_one_with_answers_stays(
    site, article, subscriber, other_subscriber
):
    top = services.post_comment(site=site, article=article, author=subscriber, text="Top")
    lonely = services.post_comment(site=site, article=article, author=other_subscriber,
                                   text="Lonely", parent=top)
    answered = services.post_comment(site=site, article=article, author=other_subscriber,
                                     text="Answered", parent=top)
    services.post_comment(site=site, article=article, author=subscriber, text="Answer",
                          parent=answered)
    for comment in (lonely, answered):
        services.delete_own_comment(site=site, comment_id=comment.pk, author=other_subscriber)
    [entry] = _page(site, article).entries
    assert [(r.state, r.shows_text) for r in entry.replies] == [
        ("deleted", False),
        ("published", True),
    ]


def test_another_sites_thread_is_not_served(site, article, three):
    from tests.sites.factories import SiteFactory

    with pytest.raises(DiscussionError) as exc:
        _page(SiteFactory(), article)
    assert exc.value.status == 404


@pytest.mark.parametrize("value", ["sideways", "NEWEST", "1"])
def test_unknown_sort_is_a_clear_error(value):
    with pytest.raises(DiscussionError) as exc:
        selectors.parse_sort(value)
    assert (exc.value.code, exc.value.field) == ("sort_invalid", "sort")


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "99999999"])
def test_bad_page_is_a_clear_error(value):
    with pytest.raises(DiscussionError) as exc:
        selectors.parse_page(value)
    assert exc.value.code == "page_invalid"


def test_reply_to_a_deleted_reply_does_not_name_its_author(site, article, subscriber,
                                                          other_subscriber):
    top = services.post_comment(site=site, article=article, author=subscriber, text="Top")
    middle = services.post_comment(site=site, article=article, author=other_subscriber,
                                   text="Middle", parent=top)
    services.post_comment(site=site, article=article, author=subscriber, text="Answer",
                          parent=middle)
    services.delete_own_comment(site=site, comment_id=middle.pk, author=other_subscriber)
    [entry] = _page(site, article).entries
    assert [(r.state, r.in_reply_to) for r in entry.replies] == [
        ("deleted", None),
        ("published", None),
    ]


def test_comment_awaiting_approval_is_seen_by_its_author_alone(site, subscriber,
                                                             other_subscriber):
    from belowtheline.discussion.models import Article
    from tests.discussion.factories import ArticleFactory

    sensitive = ArticleFactory(site=site, comment_mode=Article.CommentMode.PREMODERATED)
    top = services.post_comment(site=site, article=sensitive, author=subscriber, text="Mine")
    sensitive.comment_mode = Article.CommentMode.OPEN
    sensitive.save()
    visible = services.post_comment(site=site, article=sensitive, author=other_subscriber,
                                    text="Open now")
    assert top.status == "pending"
    own = _page(site, sensitive, viewer=subscriber).entries
    assert {(e.comment.text, e.state) for e in own} == {
        ("Mine", "awaiting_approval"), ("Open now", "published"),
    }
    for viewer in (other_subscriber, None):
        assert [e.comment for e in _page(site, sensitive, viewer=viewer).entries] == [visible]
