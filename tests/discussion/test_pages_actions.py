"""The thread's forms: each one calls its service, redirects on success and, when a rule
says no, shows the reader why with the refusal's status and changes nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from belowtheline import clock
from belowtheline.discussion import services
from belowtheline.discussion.models import (
    Comment,
    Disagreement,
    Recommendation,
    Report,
    RulesAcceptance,
)
from tests.conftest import make_subscriber
from tests.discussion.factories import RulesVersionFactory


def thread_url(site, article) -> str:
    return reverse("thread", args=[site.slug, article.pk])


def post_url(site, article) -> str:
    return reverse("post_comment", args=[site.slug, article.pk])


def comment_url(name, site, comment) -> str:
    return reverse(name, args=[site.slug, comment.pk])


@pytest.fixture
def comment(site, article, other_subscriber) -> Comment:
    return services.post_comment(
        site=site, article=article, author=other_subscriber, text="Olive's view"
    )


def test_subscriber_posts_through_the_form_and_the_comment_appears(
    client, site, article, subscriber
):
    client.force_login(subscriber)
    response = client.post(
        post_url(site, article), {"text": "Posted from the page", "next": thread_url(site, article)}
    )

    comment = Comment.objects.get(site=site, article=article)
    assert response.status_code == 303
    assert response["Location"] == f"{thread_url(site, article)}#comment-{comment.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Posted from the page" in page
    assert "1 comment<" in page


def test_reply_through_the_form_lands_under_its_parent(
    client, site, article, subscriber, comment
):
    client.force_login(subscriber)
    response = client.post(post_url(site, article), {"text": "I disagree", "parent_id": comment.pk})
    reply = Comment.objects.get(site=site, parent=comment)
    assert response.status_code == 303
    assert response["Location"].endswith(f"#comment-{reply.pk}")
    assert reply.thread_root == comment


def test_non_subscriber_post_is_refused_with_403_and_the_message(client, site, article, reader):
    client.force_login(reader)
    response = client.post(post_url(site, article), {"text": "Let me in"})
    assert response.status_code == 403
    assert "Commenting is for subscribers" in response.content.decode()
    assert not Comment.objects.exists()


def test_anonymous_post_is_refused_with_403(client, site, article, rules):
    response = client.post(post_url(site, article), {"text": "Who am I"})
    assert response.status_code == 403
    assert "Please sign in first." in response.content.decode()
    assert not Comment.objects.exists()


def test_post_without_csrf_token_is_refused(site, article, subscriber):
    client = Client(enforce_csrf_checks=True)
    client.force_login(subscriber)
    response = client.post(
        post_url(site, article), {"text": "Forged"}, HTTP_REFERER="https://evil.example/"
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "reload the page and try again" in page
    assert "evil.example" not in page
    assert not Comment.objects.exists()


def test_every_form_on_the_thread_carries_a_csrf_token(
    client, site, article, subscriber, comment
):
    client.force_login(subscriber)
    services.post_comment(site=site, article=article, author=subscriber, text="Mine")
    html = client.get(thread_url(site, article)).content.decode()
    assert html.count("<form") >= 6  # post, reply, recommend, report, edit, delete, sign out
    assert html.count("<form") == html.count('name="csrfmiddlewaretoken"')


def test_refused_text_is_kept_in_the_box_with_the_reason(client, site, article, subscriber):
    client.force_login(subscriber)
    too_long = "x" * 5001
    response = client.post(post_url(site, article), {"text": too_long})
    html = response.content.decode()
    assert response.status_code == 400
    assert "the limit is 5,000" in html
    assert f">{too_long}</textarea>" in html
    assert not Comment.objects.exists()


def test_empty_comment_is_a_400(client, site, article, subscriber):
    client.force_login(subscriber)
    response = client.post(post_url(site, article), {"text": "   "})
    assert response.status_code == 400
    assert "Please write something first." in response.content.decode()


def test_bad_parent_id_is_refused_not_a_500(client, site, article, subscriber):
    client.force_login(subscriber)
    url = post_url(site, article)
    assert client.post(url, {"text": "x", "parent_id": "abc"}).status_code == 400
    assert client.post(url, {"text": "x", "parent_id": "999"}).status_code == 404
    assert not Comment.objects.exists()


def test_posting_to_a_closed_article_is_refused(client, site, article, subscriber):
    article.comment_mode = "closed"
    article.save()
    client.force_login(subscriber)
    response = client.post(post_url(site, article), {"text": "Too late"})
    assert response.status_code == 403
    assert "Comments on this article are closed." in response.content.decode()


def test_held_comment_tells_its_author_it_awaits_a_moderator(client, site, article, subscriber):
    article.comment_mode = "premoderated"
    article.save()
    client.force_login(subscriber)
    response = client.post(post_url(site, article), {"text": "Sensitive"}, follow=True)
    html = response.content.decode()
    assert "will appear once a moderator has checked it" in html
    assert "Awaiting a moderator's approval — only you can see this" in html


def test_unsafe_next_is_not_followed(client, site, article, subscriber):
    client.force_login(subscriber)
    response = client.post(
        post_url(site, article), {"text": "Hello", "next": "https://evil.example/phish"}
    )
    comment = Comment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"{thread_url(site, article)}#comment-{comment.pk}"


def test_safe_next_is_followed_with_the_comment_anchor(client, site, article, subscriber):
    client.force_login(subscriber)
    article_page = reverse("article", args=[site.slug, article.pk])
    response = client.post(post_url(site, article), {"text": "Hello", "next": article_page})
    assert response["Location"] == f"{article_page}#comment-{Comment.objects.get().pk}"


def test_author_edits_within_the_window(client, site, article, subscriber):
    mine = services.post_comment(site=site, article=article, author=subscriber, text="Typo")
    client.force_login(subscriber)
    response = client.post(comment_url("edit_comment", site, mine), {"text": "Fixed"}, follow=True)
    mine.refresh_from_db()
    assert mine.text == "Fixed"
    assert "Your comment has been updated." in response.content.decode()


def test_edit_after_the_window_is_refused_and_keeps_the_text(client, site, article, subscriber):
    mine = services.post_comment(site=site, article=article, author=subscriber, text="Typo")
    client.force_login(subscriber)
    with time_machine.travel(clock.now() + timedelta(minutes=11), tick=False):
        response = client.post(comment_url("edit_comment", site, mine), {"text": "Too late"})
    mine.refresh_from_db()
    assert response.status_code == 403
    assert "can be edited for 10 minutes" in response.content.decode()
    assert mine.text == "Typo"


def test_editing_someone_elses_comment_is_refused(client, site, subscriber, comment):
    client.force_login(subscriber)
    response = client.post(comment_url("edit_comment", site, comment), {"text": "Hijack"})
    comment.refresh_from_db()
    assert response.status_code == 403
    assert comment.text == "Olive's view"


def test_author_deletes_their_comment(client, site, article, subscriber):
    mine = services.post_comment(site=site, article=article, author=subscriber, text="Oops")
    client.force_login(subscriber)
    response = client.post(comment_url("delete_comment", site, mine), follow=True)
    mine.refresh_from_db()
    assert mine.status == Comment.Status.DELETED
    assert "Your comment has been deleted." in response.content.decode()
    assert "Oops" not in response.content.decode()


def test_recommend_and_undo(client, site, subscriber, comment):
    client.force_login(subscriber)
    url = comment_url("recommend_comment", site, comment)

    response = client.post(url, {"action": "add"})
    assert response.status_code == 303
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    comment.refresh_from_db()
    assert comment.recommendation_count == 1
    assert "Recommended (undo)" in client.get(response["Location"]).content.decode()

    client.post(url, {"action": "remove"})
    comment.refresh_from_db()
    assert comment.recommendation_count == 0
    assert not Recommendation.objects.exists()


def test_recommending_needs_a_known_action_and_a_subscription(client, site, reader, comment):
    client.force_login(reader)
    url = comment_url("recommend_comment", site, comment)
    assert client.post(url, {"action": "add"}).status_code == 403
    assert client.post(url, {"action": "love"}).status_code == 400
    assert not Recommendation.objects.exists()


def test_report_through_the_form_thanks_the_reader(client, site, article, reader, comment):
    client.force_login(reader)
    response = client.post(
        comment_url("report_comment", site, comment),
        {"reason": "abusive", "note": "Name-calling", "next": thread_url(site, article)},
    )
    assert response.status_code == 303
    assert response["Location"] == f"{thread_url(site, article)}#comment-{comment.pk}"
    report = Report.objects.get()
    assert (report.reason, report.note, report.reporter) == ("abusive", "Name-calling", reader)

    html = client.get(response["Location"]).content.decode()
    at_comment = html.split(f'id="comment-{comment.pk}"')[1]
    assert services.REPORT_THANKS in at_comment
    assert '<span class="reported">Reported</span>' in at_comment


def test_second_report_says_already_reported(client, site, reader, comment):
    client.force_login(reader)
    url = comment_url("report_comment", site, comment)
    client.post(url, {"reason": "spam"})
    response = client.post(url, {"reason": "abusive"})
    assert response.status_code == 409
    assert "You have already reported this comment" in response.content.decode()
    assert Report.objects.count() == 1


def test_disagreeing_files_no_report_and_points_to_replying(client, site, reader, comment):
    client.force_login(reader)
    response = client.post(
        comment_url("report_comment", site, comment), {"reason": "disagree"}, follow=True
    )
    assert not Report.objects.exists()
    assert Disagreement.objects.filter(comment=comment, user=reader).exists()
    assert services.DISAGREE_ANSWER in response.content.decode()


def test_report_without_a_reason_is_a_400(client, site, reader, comment):
    client.force_login(reader)
    response = client.post(comment_url("report_comment", site, comment), {"note": "hmm"})
    assert response.status_code == 400
    assert "Choose one of" in response.content.decode()
    assert not Report.objects.exists()


def test_reporting_your_own_comment_is_refused(client, site, other_subscriber, comment):
    client.force_login(other_subscriber)
    response = client.post(comment_url("report_comment", site, comment), {"reason": "spam"})
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_report_page_works_without_javascript(client, site, article, reader, comment):
    client.force_login(reader)
    url = comment_url("report_comment", site, comment)
    html = client.get(url, {"next": thread_url(site, article)}).content.decode()
    assert "Olive&#x27;s view" in html
    for label in ("Abusive or hateful", "Off-topic", "Spam", "Other", "I just disagree with it"):
        assert label in html
    assert "Legal risk (e.g. defamation or contempt of court)" in html
    assert 'maxlength="500"' in html
    assert f'href="{thread_url(site, article)}#comment-{comment.pk}">Cancel</a>' in html


def test_report_page_asks_an_anonymous_reader_to_sign_in(client, site, comment):
    url = comment_url("report_comment", site, comment)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_anonymous_report_is_refused(client, site, comment):
    response = client.post(comment_url("report_comment", site, comment), {"reason": "spam"})
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_actions_on_an_unknown_comment_are_404(client, site, subscriber, rules):
    client.force_login(subscriber)
    response = client.post(reverse("delete_comment", args=[site.slug, 999]))
    assert response.status_code == 404
    assert "That comment does not exist." in response.content.decode()


def test_actions_are_post_only(client, site, comment):
    assert client.get(comment_url("delete_comment", site, comment)).status_code == 405
    assert client.get(reverse("accept_rules", args=[site.slug])).status_code == 405


def test_accepting_stale_rules_is_refused(client, site, article, rules):
    newcomer = make_subscriber(site, accept_rules=False)
    RulesVersionFactory(site=site, number=2)
    client.force_login(newcomer)
    response = client.post(
        reverse("accept_rules", args=[site.slug]),
        {"rules_version_id": rules.pk, "next": thread_url(site, article)},
    )
    assert response.status_code == 409
    assert "The rules have changed since you opened them" in response.content.decode()
    assert f'href="{thread_url(site, article)}"' in response.content.decode()
    assert not RulesAcceptance.objects.filter(user=newcomer).exists()


def test_accepting_rules_anonymously_is_refused(client, site, rules):
    url = reverse("accept_rules", args=[site.slug])
    response = client.post(url, {"rules_version_id": rules.pk})
    assert response.status_code == 403
