"""Standalone accounts: confirming the address before reporting or commenting, resetting a
forgotten password by email, changing one's name and address, and the profile page."""

import re

import pytest
from django.core import mail
from django.test import Client

from belowtheline.accounts.models import User
from belowtheline.discussion import services as discussion
from belowtheline.discussion.models import Comment
from belowtheline.moderation import services as moderation
from tests.accounts.factories import SubscriptionFactory
from tests.api.test_bearer_tokens import SECRET, token

NEW = {"username": "newreader", "display_name": "New Reader", "email": "new@example.org",
       "password": "a-long-and-unusual-passphrase",
       "password_again": "a-long-and-unusual-passphrase"}


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0).removeprefix("http://testserver")


@pytest.fixture
def newcomer(client, site, rules, django_capture_on_commit_callbacks):
    """Signed up through the page (and so signed in), with a subscription and the rules
    accepted: everything but a confirmed address."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", NEW)
    user = User.objects.get(username="newreader")
    SubscriptionFactory(site=site, user=user)
    discussion.accept_rules(site=site, user=user)
    return user


def test_signing_up_mails_a_link_and_holds_back_comments_and_reports(
        client, site, article, newcomer, other_subscriber):
    assert newcomer.email_pending_verification
    [message] = mail.outbox
    assert message.to == ["new@example.org"]
    assert "/accounts/verify/" in message.body
    response = client.post(f"/sites/{site.slug}/threads/{article.pk}/comments/",
                           {"text": "My first comment."})
    assert response.status_code == 403
    assert "confirm your email address" in response.content.decode()
    theirs = discussion.post_comment(site=site, article=article, author=other_subscriber,
                                     text="Olive's.")
    response = client.post(f"/api/v1/sites/{site.slug}/comments/{theirs.pk}/reports",
                           {"reason": "spam"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "email_not_confirmed"
    assert not Comment.objects.filter(author=newcomer).exists()


def test_the_comment_box_and_the_api_say_why_before_the_reader_types(
        client, site, article, newcomer):
    me = client.get(f"/api/v1/sites/{site.slug}/me").json()
    assert me["can_comment"] is False
    assert me["refusal"]["code"] == "email_not_confirmed"
    page = client.get(f"/sites/{site.slug}/threads/{article.pk}/").content.decode()
    assert 'data-refusal="email_not_confirmed"' in page


def test_following_the_link_and_pressing_the_button_confirms(client, site, article, newcomer):
    link = _link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my address" in page.content.decode()
    assert User.objects.get(pk=newcomer.pk).email_pending_verification  # a GET changes nothing
    done = client.post(link)
    assert "your address is confirmed" in done.content.decode()
    assert not User.objects.get(pk=newcomer.pk).email_pending_verification
    response = client.post(f"/sites/{site.slug}/threads/{article.pk}/comments/",
                           {"text": "My first comment."})
    assert response.status_code in (302, 303)
    assert Comment.objects.filter(author=newcomer).count() == 1


def test_a_forged_link_confirms_nothing(client, newcomer):
    response = client.post("/accounts/verify/not-a-real-token/")
    assert response.status_code == 400
    assert "That link is not valid." in response.content.decode()
    assert User.objects.get(pk=newcomer.pk).email_pending_verification


def test_changing_the_address_needs_a_new_confirmation_and_the_old_link_stops(
        client, newcomer, django_capture_on_commit_callbacks):
    old_link = _link(mail.outbox[0])
    client.post(old_link)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/settings/", {"display_name": "New Reader",
                                                       "email": "moved@example.org"})
    assert response.status_code == 303
    user = User.objects.get(pk=newcomer.pk)
    assert (user.email, user.email_pending_verification) == ("moved@example.org", True)
    assert mail.outbox[-1].to == ["moved@example.org"]
    assert client.post(old_link).status_code == 400
    client.post(_link(mail.outbox[-1]))
    assert not User.objects.get(pk=newcomer.pk).email_pending_verification


def test_the_link_can_be_sent_again_a_few_times(client, newcomer, settings,
                                                django_capture_on_commit_callbacks):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "verification_email": "1/3600"}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/accounts/verify-again/").status_code == 303
    assert len(mail.outbox) == 2
    assert client.post("/accounts/verify-again/").status_code == 429


def test_a_new_name_reaches_cached_threads_at_once(client, site, article, subscriber):
    discussion.post_comment(site=site, article=article, author=subscriber, text="Hello.")
    reader = Client()
    thread = f"/sites/{site.slug}/threads/{article.pk}/"
    assert "Sam Subscriber" in reader.get(thread).content.decode()
    client.force_login(subscriber)
    client.post("/accounts/settings/", {"display_name": "Samuel S", "email": subscriber.email})
    page = reader.get(f"/sites/{site.slug}/threads/{article.pk}/").content.decode()
    assert "Samuel S" in page
    assert "Sam Subscriber" not in page
    assert not User.objects.get(pk=subscriber.pk).email_pending_verification  # same address


def test_a_bad_address_or_name_is_a_form_error(client, subscriber):
    client.force_login(subscriber)
    response = client.post("/accounts/settings/", {"display_name": "Sam", "email": "nope"})
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


def test_a_token_reader_changes_their_name_with_the_publisher(site, rules):
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token(site, sub='p-5')}")
    page = client.get("/accounts/settings/")
    assert "come from your subscription account" in page.content.decode()
    client.post("/accounts/settings/", {"display_name": "Hacked", "email": "x@example.org"})
    assert User.objects.get(external_identity__subject="p-5").display_name == "Token Tess"


# --- password reset -----------------------------------------------------------------------

def test_a_reset_link_is_mailed_and_lets_the_reader_choose_a_new_password(client, subscriber):
    response = client.post("/accounts/password-reset/", {"email": subscriber.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    [message] = mail.outbox
    link = _link(message)
    assert "/accounts/password-reset/" in link
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "an-even-longer-phrase",
                                                    "new_password2": "an-even-longer-phrase"})
    assert done.status_code == 302
    assert User.objects.get(pk=subscriber.pk).check_password("an-even-longer-phrase")
    assert client.get(link, follow=True).content.decode().count("expired") == 1  # once only


def test_the_reset_form_never_tells_whether_an_address_has_an_account(client, subscriber):
    known = client.post("/accounts/password-reset/", {"email": subscriber.email}, follow=True)
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.org"},
                          follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.content.decode() == unknown.content.decode()
    assert len(mail.outbox) == 1


def test_resets_are_rate_limited_per_address(client, subscriber, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "password_reset": "2/3600"}
    for _ in range(2):
        client.post("/accounts/password-reset/", {"email": subscriber.email})
    response = client.post("/accounts/password-reset/", {"email": subscriber.email})
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert len(mail.outbox) == 2


def test_the_sign_in_page_offers_the_reset(client, db):
    assert "/accounts/password-reset/" in client.get("/accounts/login/").content.decode()


# --- the profile ------------------------------------------------------------------------------

def test_the_profile_lists_the_readers_comments_with_links_and_status(
        client, site, article, subscriber, moderator):
    kept = discussion.post_comment(site=site, article=article, author=subscriber,
                                   text="Still up.")
    gone = discussion.post_comment(site=site, article=article, author=subscriber,
                                   text="Taken down.")
    moderation.remove_comment(site=site, actor=moderator, comment_id=gone.pk, rule=1)
    client.force_login(subscriber)
    page = client.get(f"/sites/{site.slug}/account/").content.decode()
    assert f'/sites/{site.slug}/threads/{article.pk}/#comment-{kept.pk}' in page
    assert f'#comment-{gone.pk}' in page
    assert "Published" in page
    assert "Removed by a moderator" in page
    assert article.title in page
    assert "Download my data" in page
    assert "Delete my account" in page


def test_the_profile_is_for_signed_in_readers(client, site):
    response = client.get(f"/sites/{site.slug}/account/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_profile_shows_only_this_sites_comments(client, site, article, subscriber):
    from tests.discussion.factories import ArticleFactory, RulesVersionFactory
    from tests.sites.factories import SiteFactory

    echo = SiteFactory(slug="echo")
    RulesVersionFactory(site=echo, number=1)
    SubscriptionFactory(site=echo, user=subscriber)
    discussion.accept_rules(site=echo, user=subscriber)
    discussion.post_comment(site=echo, article=ArticleFactory(site=echo, title="Echo story"),
                            author=subscriber, text="Said on the Echo.")
    client.force_login(subscriber)
    page = client.get(f"/sites/{site.slug}/account/").content.decode()
    assert "Said on the Echo." not in page
    assert "Echo story" not in page


def test_the_header_links_the_profile(client, site, article, subscriber):
    client.force_login(subscriber)
    page = client.get(f"/sites/{site.slug}/threads/{article.pk}/").content.decode()
    assert f'href="/sites/{site.slug}/account/"' in page
