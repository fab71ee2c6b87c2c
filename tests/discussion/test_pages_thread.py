"""The thread page as each kind of visitor sees it, and what it costs to build."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from belowtheline import clock
from belowtheline.discussion import services
from belowtheline.discussion.models import Article, Comment
from tests.conftest import make_subscriber
from tests.discussion.factories import ArticleFactory
from tests.sites.factories import SiteFactory

COMMENT_BOX = 'name="text"'
REPORT_LINK = "data-report"


def thread_html(client, site, article, **params) -> str:
    response = client.get(reverse("thread", args=[site.slug, article.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def post(site, article, author, text="A comment", parent=None) -> Comment:
    return services.post_comment(
        site=site, article=article, author=author, text=text, parent=parent
    )


@pytest.fixture
def many_comments(settings):
    """Lift the per-minute comment limit for tests that need a long thread."""
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}


def test_anonymous_reader_sees_the_thread_and_an_invitation_not_a_box(
    client, site, article, subscriber
):
    site.subscribe_url = "https://gazette.example/subscribe"
    site.save()
    post(site, article, subscriber, "Bridges are good.")

    html = thread_html(client, site, article)

    assert "Bridges are good." in html
    assert "Comments &amp; moderation" in html
    assert site.subscriber_only_text in html
    assert 'href="https://gazette.example/subscribe"' in html
    assert ">Subscribe</a>" in html
    assert f'href="/accounts/login/?next=/sites/{site.slug}/threads/{article.pk}/"' in html
    assert f'href="/sites/{site.slug}/why-subscribers/">Why only subscribers?</a>' in html
    assert COMMENT_BOX not in html
    assert "<textarea" not in html
    assert REPORT_LINK not in html
    assert "/report/" not in html


def test_subscribe_link_falls_back_to_the_why_page_when_the_publisher_has_none(
    client, site, article, rules
):
    html = thread_html(client, site, article)
    assert f'href="/sites/{site.slug}/why-subscribers/" target="_top">Subscribe</a>' in html


def test_signed_in_non_subscriber_gets_the_invitation_and_may_report(
    client, site, article, subscriber, reader
):
    comment = post(site, article, subscriber)
    client.force_login(reader)

    html = thread_html(client, site, article)

    assert site.subscriber_only_text in html
    assert "Why only subscribers?" in html
    assert ">Sign in</a>" not in html.split('id="respond"')[1]  # not offered: already in
    assert COMMENT_BOX not in html
    assert "Report this comment</a>" in html
    assert f"/comments/{comment.pk}/report/" in html
    assert "Recommend</button>" not in html


def test_subscriber_who_has_not_accepted_the_rules_is_asked_to_first(
    client, site, article, rules
):
    newcomer = make_subscriber(site, accept_rules=False, username="nina")
    client.force_login(newcomer)

    html = thread_html(client, site, article)

    assert "I accept the rules and understand that I am personally responsible" in html
    assert "Accept and continue" in html
    assert rules.preamble in html
    assert 'href="/sites/gazette/rules/#rule-1">Be civil</a>' in html
    assert COMMENT_BOX not in html

    thread = reverse("thread", args=[site.slug, article.pk])
    response = client.post(
        reverse("accept_rules", args=[site.slug]),
        {"rules_version_id": rules.pk, "next": thread},
    )
    assert response.status_code == 303
    assert response["Location"] == f"{thread}#respond"

    html = thread_html(client, site, article)
    assert COMMENT_BOX in html
    assert "Accept and continue" not in html
    assert "You can now join the discussion" in html


def test_subscriber_gets_the_box_and_edit_delete_on_their_own_comment_not_report(
    client, site, article, subscriber, other_subscriber
):
    mine = post(site, article, subscriber, "Mine")
    theirs = post(site, article, other_subscriber, "Theirs")
    client.force_login(subscriber)

    html = thread_html(client, site, article)

    assert COMMENT_BOX in html
    assert 'maxlength="5000"' in html
    mine_html = html.split(f'id="comment-{mine.pk}"')[1].split("</li>")[0]
    theirs_html = html.split(f'id="comment-{theirs.pk}"')[1].split(f'id="comment-{mine.pk}"')[0]
    assert "<summary>Edit</summary>" in mine_html
    assert "<summary>Delete</summary>" in mine_html
    assert "Report this comment" not in mine_html
    assert "Recommend</button>" not in mine_html
    assert "Report this comment" in theirs_html
    assert "Recommend</button>" in theirs_html
    assert "<summary>Reply</summary>" in theirs_html
    assert "<summary>Edit</summary>" not in theirs_html


def test_edit_is_offered_only_within_the_edit_window(client, site, article, subscriber):
    comment = post(site, article, subscriber)
    client.force_login(subscriber)
    assert f'action="/sites/gazette/comments/{comment.pk}/edit/"' in thread_html(
        client, site, article
    )
    later = clock.now() + services.EDIT_WINDOW + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        html = thread_html(client, site, article)
    assert f"/comments/{comment.pk}/edit/" not in html
    assert f"/comments/{comment.pk}/delete/" in html


def test_comment_shows_author_time_and_edited_marker(client, site, article, subscriber):
    """The time is absolute in the (shared, cached) body; the page's script shows it as
    "5 minutes ago" from its datetime."""
    comment = post(site, article, subscriber, "First draft")
    services.edit_own_comment(
        site=site, comment_id=comment.pk, author=subscriber, text="Second draft"
    )
    with time_machine.travel(clock.now() + timedelta(minutes=5), tick=False):
        html = thread_html(client, site, article)
    assert "Sam Subscriber" in html
    local = comment.created_at.astimezone(site.zone)
    assert f">{local:%-d %b %Y, %H:%M}</time>" in html
    assert "data-ago" in html
    assert f'<time datetime="{comment.created_at.astimezone(site.zone).isoformat()}"' in html
    assert ">edited</span>" in html
    assert "Second draft" in html


def test_comment_text_is_escaped_and_urls_are_not_links(client, site, article, subscriber):
    post(site, article, subscriber, "<script>alert(1)</script> https://evil.example")

    html = thread_html(client, site, article)

    assert "&lt;script&gt;alert(1)&lt;/script&gt; https://evil.example" in html
    assert "<script>alert(1)" not in html
    assert 'href="https://evil.example' not in html


def test_line_breaks_are_kept(client, site, article, subscriber):
    post(site, article, subscriber, "One\nTwo\n\nThree")
    assert "One<br>Two<br><br>Three" in thread_html(client, site, article)


def test_count_and_sort_links_mark_the_current_sort(
    client, site, article, subscriber, other_subscriber
):
    first = post(site, article, subscriber, "Oldest one")
    second = post(site, article, other_subscriber, "Newest one")
    services.recommend_comment(site=site, comment_id=first.pk, user=other_subscriber)

    html = thread_html(client, site, article)
    assert "2 comments" in html
    assert '<strong aria-current="true">Newest</strong>' in html
    assert f'href="/sites/gazette/threads/{article.pk}/?sort=oldest"' in html
    assert html.index(f'id="comment-{second.pk}"') < html.index(f'id="comment-{first.pk}"')

    html = thread_html(client, site, article, sort="oldest")
    assert '<strong aria-current="true">Oldest</strong>' in html
    assert html.index(f'id="comment-{first.pk}"') < html.index(f'id="comment-{second.pk}"')

    html = thread_html(client, site, article, sort="recommended")
    assert '<strong aria-current="true">Most recommended</strong>' in html
    assert html.index(f'id="comment-{first.pk}"') < html.index(f'id="comment-{second.pk}"')
    assert "1 recommendation<" in html


def test_one_comment_is_counted_in_the_singular(client, site, article, subscriber):
    post(site, article, subscriber)
    assert ">1 comment</h2>" in thread_html(client, site, article)


def test_fifty_top_level_comments_a_page_then_show_more(
    client, site, article, subscriber, many_comments
):
    comments = [post(site, article, subscriber, f"Comment number {n}") for n in range(51)]

    html = thread_html(client, site, article, sort="oldest")
    assert html.count('class="comment state-published') == 50
    assert "Show more comments" in html
    assert f'href="/sites/gazette/threads/{article.pk}/?sort=oldest&amp;page=2"' in html
    assert f'id="comment-{comments[-1].pk}"' not in html

    html = thread_html(client, site, article, sort="oldest", page=2)
    assert html.count('class="comment state-published') == 1
    assert f'id="comment-{comments[-1].pk}"' in html
    assert "Show more comments" not in html
    assert "Back to the start" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sort": "loudest"}, "Sort must be one of"),
        ({"page": "0"}, "Page must be a whole number"),
        ({"page": "two"}, "Page must be a whole number"),
    ],
)
def test_bad_sort_or_page_is_a_400_page_with_the_reason(client, site, article, params, message):
    response = client.get(reverse("thread", args=[site.slug, article.pk]), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_unknown_site_or_article_is_a_404_page(client, site, article):
    response = client.get(reverse("thread", args=["nowhere", article.pk]))
    assert response.status_code == 404
    assert "There is no site" in response.content.decode()

    response = client.get(reverse("thread", args=[site.slug, article.pk + 1000]))
    assert response.status_code == 404
    assert "That article does not exist." in response.content.decode()


def test_another_sites_article_is_not_found_under_this_site(client, site, rules):
    elsewhere = ArticleFactory(site=SiteFactory(slug="elsewhere"))
    response = client.get(reverse("thread", args=[site.slug, elsewhere.pk]))
    assert response.status_code == 404


def test_replies_sit_under_their_top_level_comment_and_name_who_they_answer(
    client, site, article, subscriber, other_subscriber
):
    top = post(site, article, subscriber, "Top")
    reply = post(site, article, other_subscriber, "Reply", parent=top)
    reply_to_reply = post(site, article, subscriber, "Reply to reply", parent=reply)

    html = thread_html(client, site, article)

    top_html = html.split(f'id="comment-{top.pk}"')[1]
    assert '<ol class="replies">' in top_html
    assert f'id="comment-{reply.pk}"' in top_html
    nested = html.split(f'id="comment-{reply_to_reply.pk}"')[1].split("</li>")[0]
    assert "in reply to <bdi>Olive Other</bdi>" in nested
    direct = html.split(f'id="comment-{reply.pk}"')[1].split("</li>")[0]
    assert "in reply to" not in direct


def test_right_to_left_names_and_text_are_isolated_from_the_page_around_them(
    client, site, article, subscriber, other_subscriber
):
    """An Arabic or Hebrew name beside "in reply to" and the time must not reorder them,
    and a comment's direction follows its own first strong letter."""
    other_subscriber.display_name = "שרה לוי"  # Hebrew
    other_subscriber.save()
    top = post(site, article, subscriber, "Top")
    reply = post(site, article, other_subscriber, "شكرا لك", parent=top)
    post(site, article, subscriber, "Reply to reply", parent=reply)

    html = thread_html(client, site, article)

    assert '<strong class="author" dir="auto">שרה לוי</strong>' in html
    assert "in reply to <bdi>שרה לוי</bdi>" in html
    assert '<div class="text" dir="auto">شكرا لك</div>' in html


def test_deleted_comment_with_replies_leaves_a_tombstone(
    client, site, article, subscriber, other_subscriber
):
    top = post(site, article, subscriber, "Regrettable words")
    post(site, article, other_subscriber, "An answer", parent=top)
    services.delete_own_comment(site=site, comment_id=top.pk, author=subscriber)

    html = thread_html(client, site, article)

    assert f'id="comment-{top.pk}"' in html
    assert "Deleted by its author" in html
    assert "Regrettable words" not in html
    assert "An answer" in html


def test_deleted_comment_without_replies_disappears(client, site, article, subscriber):
    comment = post(site, article, subscriber, "Gone soon")
    services.delete_own_comment(site=site, comment_id=comment.pk, author=subscriber)

    html = thread_html(client, site, article)

    assert f'id="comment-{comment.pk}"' not in html
    assert "Deleted by its author" not in html
    assert "0 comments" in html


def test_removed_comment_shows_the_moderators_tombstone(
    client, site, article, subscriber, other_subscriber
):
    comment = post(site, article, subscriber, "Libellous claim")
    # Moderation's removal service lands with the moderation app; the state is what matters.
    Comment.objects.filter(pk=comment.pk, site=site).update(status=Comment.Status.REMOVED)

    html = thread_html(client, site, article)

    assert "Removed by a moderator" in html
    assert "Libellous claim" not in html


def test_held_comment_is_a_placeholder_to_others_and_marked_for_its_author(
    client, site, subscriber, other_subscriber
):
    article = ArticleFactory(site=site)
    held = post(site, article, subscriber, "Waiting for a moderator")
    services.set_comment_status(held, Comment.Status.HELD, clock.now())

    client.force_login(other_subscriber)
    html = thread_html(client, site, article)
    assert "This comment is being reviewed" in html
    assert "Waiting for a moderator" not in html

    client.force_login(subscriber)
    html = thread_html(client, site, article)
    assert "Waiting for a moderator" in html
    assert "Under review — only you can see this" in html


def test_closed_article_says_so_instead_of_a_box(client, site, subscriber):
    article = ArticleFactory(site=site, comment_mode=Article.CommentMode.CLOSED)
    client.force_login(subscriber)
    html = thread_html(client, site, article)
    assert "Comments on this article are closed." in html
    assert COMMENT_BOX not in html


def test_without_published_rules_commenting_is_not_open(client, site, article):
    client.force_login(make_subscriber(site, accept_rules=False))
    html = thread_html(client, site, article)
    assert "Commenting opens once" in html
    assert COMMENT_BOX not in html


def test_notice_links_to_the_rules_with_their_date(client, site, article, rules):
    html = thread_html(client, site, article)
    published = rules.published_at.astimezone(site.zone)
    assert site.moderation_notice.replace('"', "&quot;") in html
    assert f"Last updated {published.day} {published:%B %Y}" in html
    assert 'href="/sites/gazette/rules/">Read the rules</a>' in html


def test_signed_in_viewer_sees_what_they_have_recommended_and_reported(
    client, site, article, subscriber, other_subscriber
):
    comment = post(site, article, other_subscriber)
    services.recommend_comment(site=site, comment_id=comment.pk, user=subscriber)
    services.report_comment(
        site=site, comment_id=comment.pk, reporter=subscriber, reason="off_topic"
    )
    client.force_login(subscriber)

    html = thread_html(client, site, article)

    assert "Recommended (undo)" in html
    assert '<span class="reported">Reported</span>' in html
    assert "Report this comment</a>" not in html


def _fill(site, article, count, authors) -> None:
    """`count` comments: mostly top level, every third a reply, from several people."""
    tops: list[Comment] = []
    for n in range(count):
        author = authors[n % len(authors)]
        parent = tops[-1] if n % 3 == 2 and tops else None
        comment = post(site, article, author, f"Comment {n}\nwith a second line", parent)
        if parent is None:
            tops.append(comment)


def test_thread_page_costs_the_same_queries_for_10_or_300_comments(
    client, site, subscriber, other_subscriber, many_comments
):
    small = ArticleFactory(site=site)
    big = ArticleFactory(site=site)
    third = make_subscriber(site, username="theo")
    _fill(site, small, 10, [subscriber, other_subscriber, third])
    _fill(site, big, 300, [subscriber, other_subscriber, third])
    for article in (small, big):
        # The newest top-level comment, so that it is on the first page of both threads.
        newest = Comment.objects.filter(
            site=site, article=article, author=other_subscriber, thread_root__isnull=True
        ).last()
        services.recommend_comment(site=site, comment_id=newest.pk, user=subscriber)
        services.report_comment(
            site=site, comment_id=newest.pk, reporter=subscriber, reason="spam"
        )
    client.force_login(subscriber)
    thread_html(client, site, small)  # warm the session and the template cache

    counts = []
    for article in (small, big):
        with CaptureQueriesContext(connection) as queries:
            html = thread_html(client, site, article)
        counts.append(len(queries))
        assert "Recommended (undo)" in html
    assert counts[0] == counts[1], counts


def test_comment_on_premoderated_article_is_invisible_to_others_until_approved(
    client, site, subscriber, other_subscriber
):
    article = ArticleFactory(site=site, comment_mode=Article.CommentMode.PREMODERATED)
    post(site, article, subscriber, "Waiting for a moderator")

    client.force_login(other_subscriber)
    html = thread_html(client, site, article)
    assert "Waiting for a moderator" not in html
    assert "This comment is being reviewed" not in html
    assert "checked by a moderator before they appear" in html

    client.force_login(subscriber)
    html = thread_html(client, site, article)
    assert "Waiting for a moderator" in html
    assert "only you can see this" in html
