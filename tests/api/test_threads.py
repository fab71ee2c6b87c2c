"""Reading a thread: open to anyone, shaped by who is looking, one site at a time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from belowtheline import clock
from belowtheline.discussion import services
from belowtheline.discussion.models import Comment
from belowtheline.discussion.selectors import PAGE_SIZE
from tests.api.conftest import api_path
from tests.conftest import make_subscriber
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.sites.factories import SiteFactory


@pytest.fixture
def generous_rate_limits(settings):
    settings.BTL_RATE_LIMITS = {
        **settings.BTL_RATE_LIMITS,
        "comment": "100000/60",
        "recommend": "100000/60",
        "report": "100000/60",
    }


def thread_path(site, article, query: str = "") -> str:
    return api_path(site, f"articles/{article.pk}/thread{query}")


def test_anyone_can_read_a_thread_with_its_replies(
    anonymous, site, rules, article, subscriber, other_subscriber, comment
):
    reply = services.post_comment(
        site=site, article=article, author=other_subscriber, text="Agreed.", parent=comment
    )
    services.post_comment(
        site=site, article=article, author=subscriber, text="Thanks.", parent=reply
    )

    response = anonymous.get(thread_path(site, article))

    assert response.status_code == 200
    body = response.json()
    assert body["article"] == {
        "id": article.pk, "site": "gazette", "title": "Council approves new bridge",
        "url": article.canonical_url, "comment_mode": "open", "comment_count": 3,
    }
    assert body["sort"] == "newest"
    assert body["page"] == 1
    assert body["page_size"] == PAGE_SIZE
    assert body["has_more"] is False
    assert body["next_page"] is None
    assert body["viewer"] == {
        "signed_in": False, "subscriber": False, "can_comment": False,
        "must_accept_rules": False, "rules_version_id": rules.pk, "refusal": None,
    }
    [top] = body["comments"]
    assert top["id"] == comment.pk
    assert top["text"] == "The bridge is overdue."
    assert top["author"] == {"name": "Sam Subscriber"}
    assert top["state"] == "published"
    assert top["parent_id"] is None
    assert top["viewer"] == {"own": False, "recommended": False, "reported": False,
                             "can_edit": False}
    assert [r["text"] for r in top["replies"]] == ["Agreed.", "Thanks."]
    assert [r["in_reply_to"] for r in top["replies"]] == [None, "Olive Other"]
    assert top["replies"][1]["parent_id"] == reply.pk
    assert all(r["replies"] == [] for r in top["replies"])


def test_thread_by_canonical_url_is_the_same_thread(anonymous, site, article, comment):
    by_id = anonymous.get(thread_path(site, article)).json()
    response = anonymous.get(
        api_path(site, "thread"), {"url": article.canonical_url, "sort": "oldest"}
    )

    assert response.status_code == 200
    assert response.json()["comments"] == by_id["comments"]
    assert response.json()["sort"] == "oldest"


def test_thread_by_url_without_a_url_names_the_missing_field(anonymous, site):
    response = anonymous.get(api_path(site, "thread"))

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == "url"


def test_thread_by_url_refuses_control_characters(anonymous, site):
    response = anonymous.get(api_path(site, "thread"), {"url": "https://x.example/\x00"})

    assert response.status_code == 400
    assert response.json()["field"] == "url"


def test_thread_by_unknown_url_is_not_found(anonymous, site, article):
    response = anonymous.get(api_path(site, "thread"), {"url": "https://elsewhere.example/"})

    assert response.status_code == 404
    assert response.json()["code"] == "article_not_found"


def test_unknown_article_is_not_found(anonymous, site):
    response = anonymous.get(api_path(site, "articles/999999/thread"))

    assert response.status_code == 404
    assert response.json() == {
        "code": "article_not_found", "message": "That article does not exist."
    }


def test_unknown_site_is_not_found(anonymous, article):
    response = anonymous.get(api_path("no-such-paper", f"articles/{article.pk}/thread"))

    assert response.status_code == 404
    assert response.json()["code"] == "site_not_found"


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("?sort=loudest", "sort_invalid", "sort"),
        ("?page=0", "page_invalid", "page"),
        ("?page=two", "page_invalid", "page"),
        ("?page=99999999999999999999999", "page_invalid", "page"),
    ],
)
def test_bad_sort_or_page_is_refused_naming_the_field(anonymous, site, article, query, code,
                                                      field):
    response = anonymous.get(thread_path(site, article, query))

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == field


def test_sorts_order_the_top_level_comments(
    anonymous, client_for, site, article, subscriber, other_subscriber
):
    first = services.post_comment(site=site, article=article, author=subscriber, text="One")
    second = services.post_comment(site=site, article=article, author=subscriber, text="Two")
    services.recommend_comment(site=site, comment_id=first.pk, user=other_subscriber)

    def ids(sort: str) -> list[int]:
        body = anonymous.get(thread_path(site, article, f"?sort={sort}")).json()
        return [c["id"] for c in body["comments"]]

    assert ids("newest") == [second.pk, first.pk]
    assert ids("oldest") == [first.pk, second.pk]
    assert ids("recommended") == [first.pk, second.pk]


@pytest.mark.usefixtures("generous_rate_limits")
def test_a_long_thread_links_to_its_next_page(anonymous, site, article, subscriber):
    for n in range(PAGE_SIZE + 1):
        services.post_comment(site=site, article=article, author=subscriber, text=f"#{n}")

    first = anonymous.get(thread_path(site, article, "?sort=oldest")).json()
    assert first["has_more"] is True
    assert first["next_page"] == thread_path(site, article, "?sort=oldest&page=2")

    second = anonymous.get(first["next_page"]).json()
    assert [c["text"] for c in second["comments"]] == [f"#{PAGE_SIZE}"]
    assert second["has_more"] is False
    assert second["next_page"] is None


def test_viewer_sees_what_they_wrote_recommended_and_reported(
    client_for, site, article, subscriber, other_subscriber, comment, reader
):
    theirs = services.post_comment(
        site=site, article=article, author=other_subscriber, text="Mine."
    )
    services.recommend_comment(site=site, comment_id=theirs.pk, user=subscriber)
    services.report_comment(site=site, comment_id=theirs.pk, reporter=subscriber, reason="spam")

    body = client_for(subscriber).get(thread_path(site, article)).json()

    by_id = {c["id"]: c["viewer"] for c in body["comments"]}
    assert by_id[comment.pk] == {"own": True, "recommended": False, "reported": False,
                                 "can_edit": True}
    assert by_id[theirs.pk] == {"own": False, "recommended": True, "reported": True,
                                "can_edit": False}
    assert body["viewer"]["can_comment"] is True


def test_text_comes_back_verbatim_for_the_client_to_escape(anonymous, site, article, subscriber):
    text = "<script>alert('x')</script> & \"quotes\" — naïve café 😀\nsecond line"
    services.post_comment(site=site, article=article, author=subscriber, text=text)

    response = anonymous.get(thread_path(site, article))

    assert response.json()["comments"][0]["text"] == text
    assert b"<script>" in response.content
    assert b"&lt;" not in response.content
    assert b"&amp;" not in response.content


def test_a_held_comment_shows_its_text_to_its_author_only(
    client_for, site, subscriber, other_subscriber
):
    article = ArticleFactory(site=site)
    held = services.post_comment(site=site, article=article, author=subscriber,
                                 text="Held back.")
    services.set_comment_status(held, Comment.Status.HELD, clock.now())

    own = client_for(subscriber).get(thread_path(site, article)).json()["comments"][0]
    seen = client_for(other_subscriber).get(thread_path(site, article)).json()["comments"][0]

    assert (own["state"], own["text"], own["author"]["name"]) == (
        "under_review", "Held back.", "Sam Subscriber"
    )
    assert (seen["state"], seen["text"], seen["author"]["name"]) == (
        "being_reviewed", None, None
    )
    assert b"Held back." not in client_for(other_subscriber).get(
        thread_path(site, article)
    ).content


def test_deleted_and_removed_comments_leave_tombstones_without_text(
    anonymous, site, article, subscriber, other_subscriber
):
    deleted = services.post_comment(site=site, article=article, author=subscriber,
                                    text="Deleted words.")
    removed = services.post_comment(site=site, article=article, author=subscriber,
                                    text="Removed words.")
    for parent in (deleted, removed):
        services.post_comment(site=site, article=article, author=other_subscriber,
                              text="A reply.", parent=parent)
    services.delete_own_comment(site=site, comment_id=deleted.pk, author=subscriber)
    # Moderation's own service arrives with the moderation app; until then, the status
    # change every path shares.
    services.set_comment_status(removed, Comment.Status.REMOVED, clock.now())

    response = anonymous.get(thread_path(site, article))

    states = {c["id"]: (c["state"], c["text"], c["author"]["name"])
              for c in response.json()["comments"]}
    assert states[deleted.pk] == ("deleted", None, None)
    assert states[removed.pk] == ("removed", None, None)
    assert b"Deleted words." not in response.content
    assert b"Removed words." not in response.content


def test_one_sites_thread_never_shows_another_sites_comments(anonymous, site, article, comment):
    courier = SiteFactory(slug="courier")
    RulesVersionFactory(site=courier, number=1)
    their_article = ArticleFactory(site=courier, canonical_url=article.canonical_url)
    author = make_subscriber(courier)
    services.post_comment(site=courier, article=their_article, author=author,
                          text="Courier reader here.")

    ours = anonymous.get(thread_path(site, article)).json()
    by_url = anonymous.get(api_path(courier, "thread"), {"url": article.canonical_url}).json()
    crossed = anonymous.get(thread_path(courier, article))

    assert [c["text"] for c in ours["comments"]] == ["The bridge is overdue."]
    assert [c["text"] for c in by_url["comments"]] == ["Courier reader here."]
    assert crossed.status_code == 404
    assert crossed.json()["code"] == "article_not_found"


def _fill(site, article, authors, *, top_level: int, replies: int) -> None:
    tops = []
    for n in range(top_level):
        tops.append(services.post_comment(
            site=site, article=article, author=authors[n % len(authors)], text=f"Top {n}"
        ))
    for n in range(replies):
        parent = tops[n % len(tops)]
        if n % 3 == 2:  # some replies answer a reply, so the thread names who is answered
            parent = parent.replies.filter(site=site).first() or parent
        services.post_comment(
            site=site, article=article, author=authors[(n + 1) % len(authors)],
            text=f"Reply {n}", parent=parent,
        )


def _thread_queries(client, site, article) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(thread_path(site, article))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.usefixtures("generous_rate_limits")
def test_thread_is_read_in_the_same_few_queries_however_long(
    anonymous, client_for, site, rules, subscriber
):
    authors = [make_subscriber(site) for _ in range(4)]
    short = ArticleFactory(site=site)
    long = ArticleFactory(site=site)
    _fill(site, short, authors, top_level=4, replies=6)
    _fill(site, long, authors, top_level=100, replies=200)
    assert Comment.objects.filter(site=site, article=long).count() == 300
    for comment in Comment.objects.filter(site=site).order_by("pk")[::7]:
        services.recommend_comment(site=site, comment_id=comment.pk, user=subscriber)
        services.report_comment(site=site, comment_id=comment.pk, reporter=subscriber,
                                reason="off_topic")
    signed_in = client_for(subscriber)
    anonymous.get(api_path(site, "rules"))  # the site's current rules, read once and kept

    # A stranger, first reader of this version of the thread: site, article, the
    # top-level comments, their replies; then only the site and the article (whose
    # versions say the stored rendering is still the thread).
    assert [_thread_queries(anonymous, site, a) for a in (short, long)] == [4, 4]
    assert [_thread_queries(anonymous, site, a) for a in (short, long)] == [2, 2]
    # A subscriber: site, article, the session and the user, whether they subscribe, then
    # their part of the page (their marks on the article and acceptance of the rules in
    # one query; they wrote nothing there, so nothing more) laid over the shared
    # rendering. Who is sanctioned on the site is read once per change of its configuration.
    _thread_queries(signed_in, site, short)
    assert [_thread_queries(signed_in, site, a) for a in (short, long)] == [6, 6]
