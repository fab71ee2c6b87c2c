"""One rule for text people type, wherever they type it: nothing invisible-only, nothing
that was not UTF-8, no accent stacks that spill over the page; real writing in any script
goes through untouched."""

import pytest
from django.test import Client
from django.urls import reverse

from belowtheline.accounts.models import User
from belowtheline.discussion import services
from belowtheline.discussion.errors import DiscussionError
from belowtheline.discussion.models import Comment
from tests.api.test_bearer_tokens import SECRET, bearer, token
from tests.discussion.test_pages_actions import post_url

INVISIBLE = {
    "zero-width spaces": "\u200b\u200b\u200b",
    "zero-width joiners and a BOM": "\u200d\u2060\ufeff",
    "bidi controls": "\u202e\u2066\u2069\u200f",
    "combining marks with no letter": "\u0301\u0308\u0327",
}
REAL_WRITING = [
    "Tiếng Việt có dấu: người, đường, phở",
    "مرحبا بالجميع، هذا تعليق",          # right-to-left
    "שלום לכולם",
    "नमस्ते, यह टिप्पणी है",
    "Family: 👨‍👩‍👧 and flags 🇬🇧",     # zero-width joiners inside emoji are fine
    "e\u0301 spelt with a combining accent",
    "C:\\Users\\path\\with\\backslashes",
]


@pytest.mark.parametrize("name", INVISIBLE)
def test_a_comment_that_shows_nothing_is_refused(site, article, subscriber, name):
    with pytest.raises(DiscussionError) as refused:
        services.post_comment(site=site, article=article, author=subscriber,
                              text=f"  {INVISIBLE[name]}\n")
    assert refused.value.code == "text_invisible"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("text", REAL_WRITING)
def test_real_writing_in_any_script_is_published_as_typed(site, article, subscriber, text):
    comment = services.post_comment(site=site, article=article, author=subscriber, text=text)
    assert comment.text == __import__("unicodedata").normalize("NFC", text)


def test_an_accent_stack_is_refused(site, article, subscriber):
    zalgo = "H" + "\u0336\u0337\u0338\u0334\u0335\u0321\u0322\u0327\u0328\u0315" + "ello"
    with pytest.raises(DiscussionError) as refused:
        services.post_comment(site=site, article=article, author=subscriber, text=zalgo)
    assert refused.value.code == "text_invalid"


def test_the_html_form_refuses_bytes_that_are_not_utf8(client, site, article, subscriber):
    client.force_login(subscriber)
    response = client.post(post_url(site, article), b"text=Caf%E9+%FF%FE",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "not sent as UTF-8" in response.content.decode()
    assert not Comment.objects.exists()


def test_the_api_says_why_a_zero_width_comment_is_refused(site, rules, article, subscriber):
    client = Client()
    client.force_login(subscriber)
    response = client.post(f"/api/v1/sites/{site.slug}/articles/{article.pk}/comments",
                           {"text": "\u200b\u200b"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "text_invisible"
    assert response.json()["field"] == "text"


def test_moderators_reasons_and_report_notes_follow_the_same_rule(
        site, article, subscriber, other_subscriber):
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="The bridge is overdue.")
    with pytest.raises(DiscussionError) as refused:
        services.report_comment(site=site, comment_id=comment.pk, reporter=other_subscriber,
                                reason="abusive", note="\u200b\u202e")
    assert refused.value.code == "text_invisible"


def test_a_token_name_or_a_typed_name_that_shows_nothing_is_refused(site, rules):
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    answer = Client().get(f"/api/v1/sites/{site.slug}/me",
                          **bearer(token(site, name="\u200b\u202e\u200b")))
    assert answer.status_code == 401
    assert "visible" in answer.json()["message"]

    response = Client().post(reverse("signup"), {
        "username": "quietreader", "display_name": "\u200b\u200b", "email": "q@example.org",
        "password": "a-long-and-unusual-passphrase",
        "password_again": "a-long-and-unusual-passphrase"})
    assert response.status_code == 400
    assert "no visible characters" in response.content.decode()
    assert not User.objects.filter(username="quietreader").exists()


def test_unusual_spaces_alone_are_an_empty_comment(site, article, subscriber):
    with pytest.raises(DiscussionError) as refused:
        services.post_comment(site=site, article=article, author=subscriber,
                              text="\u00a0\u3000 \u2007")
    assert refused.value.code == "text_empty"
