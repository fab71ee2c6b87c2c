"""A reader's own pages in Chromium: signs in, sees their profile with their comments and
what became of each, downloads their data, changes their name, and deletes their account
after the confirmation page; the public thread then shows "Former subscriber". A site
admin's page for a reader's data, and the password reset, render too. Each page is
screenshotted (var/screenshots/account-*.png) and none logs a content-policy violation or
a script error."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from belowtheline.accounts.models import User
from belowtheline.discussion import services
from belowtheline.moderation import services as moderation
from tests.accounts.factories import PASSWORD
from tests.conftest import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

SHOTS = settings.BASE_DIR / "var" / "screenshots"


@pytest.fixture
def comments(site, rules, article, subscriber, other_subscriber, moderator):
    kept = services.post_comment(site=site, article=article, author=subscriber,
                                 text="The bridge will pay for itself within a decade.")
    services.post_comment(site=site, article=article, author=other_subscriber,
                          text="I doubt it, Sam.", parent=kept)
    gone = services.post_comment(site=site, article=article, author=subscriber,
                                 text="Councillors are all crooks.")
    moderation.remove_comment(site=site, actor=moderator, comment_id=gone.pk, rule=1,
                              reason="Personal attack")
    return kept, gone


def _watch(page, problems: list[str]) -> None:
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))


def _sign_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def test_a_reader_sees_downloads_and_deletes(browser, live_server, site, article, subscriber,
                                             comments):
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    context, page = _sign_in(browser, live_server, "sam")
    _watch(page, problems)
    page.goto(f"{live_server.url}{reverse('profile', args=[site.slug])}")
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    expect(page.get_by_text("Removed by a moderator")).to_be_visible()
    expect(page.get_by_role("link", name=article.title).first).to_be_visible()
    page.screenshot(path=str(SHOTS / "account-profile.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    with open(download.value.path(), encoding="utf-8") as saved:
        data = json.load(saved)
    assert data["profile"]["username"] == "sam"
    assert len(data["comments"]) == 2

    page.goto(f"{live_server.url}{reverse('account_settings')}")
    page.get_by_label("Display name").fill("Samuel")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "account-details.png"), full_page=True)

    page.goto(f"{live_server.url}{reverse('delete_account', args=[site.slug])}")
    expect(page.get_by_text("This cannot be undone")).to_be_visible()
    page.screenshot(path=str(SHOTS / "account-delete.png"), full_page=True)
    page.get_by_label("Type DELETE to confirm").fill("DELETE")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account is deleted")).to_be_visible()
    page.screenshot(path=str(SHOTS / "account-deleted.png"), full_page=True)

    page.goto(f"{live_server.url}{reverse('thread', args=[site.slug, article.pk])}")
    expect(page.get_by_text("Former subscriber").first).to_be_visible()
    expect(page.get_by_text("Samuel")).to_have_count(0)
    expect(page.get_by_text("I doubt it, Sam.")).to_be_visible()
    page.screenshot(path=str(SHOTS / "account-thread-after.png"), full_page=True)
    context.close()
    assert User.objects.get(pk=subscriber.pk).erased_at is not None
    assert problems == []


def test_an_admins_page_for_a_readers_data_and_the_password_reset(
        browser, live_server, site, subscriber, comments):
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_staff(site, "admin", "ada_l")
    problems: list[str] = []
    context, page = _sign_in(browser, live_server, "ada_l")
    _watch(page, problems)
    page.goto(f"{live_server.url}{reverse('reader_data', args=[site.slug, subscriber.pk])}")
    expect(page.get_by_role("heading", name="Delete their account")).to_be_visible()
    page.screenshot(path=str(SHOTS / "account-admin-reader.png"), full_page=True)
    context.close()

    anonymous = browser.new_context(viewport={"width": 1100, "height": 700})
    page = anonymous.new_page()
    _watch(page, problems)
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email").fill("nobody@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.screenshot(path=str(SHOTS / "account-reset-sent.png"), full_page=True)
    anonymous.close()
    assert problems == []
