"""A subscriber's first comment and a reader's report, in a real browser, with JavaScript:
the rules acceptance, the live counter, the report dialog and its Cancel."""

import pytest
from django.conf import settings
from django.urls import reverse

from belowtheline.discussion import services
from belowtheline.discussion.models import Comment, Disagreement, Report
from tests.accounts.factories import PASSWORD
from tests.conftest import make_subscriber

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

SCREENSHOT = settings.BASE_DIR / "var" / "screenshots" / "thread.png"


def sign_in(browser, live_server, username: str, next_path: str):
    """A fresh browser context signed in through the login page, left on `next_path`."""
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('login')}?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}{next_path}")
    return context, page


def test_subscriber_accepts_rules_and_comments_then_a_reader_reports_it(
    browser, live_server, site, rules, article, reader
):
    make_subscriber(site, accept_rules=False, username="bea", display_name="Bea Browser")
    article_path = reverse("article", args=[site.slug, article.pk])

    context, page = sign_in(browser, live_server, "bea", article_path)
    expect(page.locator(".account .who")).to_have_text("Bea Browser")
    expect(page.get_by_text("I accept the rules and understand")).to_be_visible()
    page.get_by_role("button", name="Accept and continue").click()

    box = page.get_by_label("Join the discussion")
    expect(box).to_be_visible()
    counter = page.locator("#comment-text-count")
    expect(counter).to_have_text("0 / 5,000")
    box.fill("The new bridge is overdue 🌉\r\nWell done.")
    # Code points after \r\n → \n, as the server counts: the emoji is one, the break one.
    expect(counter).to_have_text("38 / 5,000")
    page.get_by_role("button", name="Post", exact=True).click()

    comment = Comment.objects.get(site=site, article=article)
    posted = page.locator(f"#comment-{comment.pk}")
    expect(posted).to_contain_text("The new bridge is overdue 🌉")
    expect(posted).to_contain_text("Bea Browser")
    expect(page.locator("#comments-heading")).to_have_text("1 comment")
    thread_path = reverse("thread", args=[site.slug, article.pk])
    page.goto(f"{live_server.url}{thread_path}")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("Well done.")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    context.close()

    context, page = sign_in(browser, live_server, "rita", thread_path)
    theirs = page.locator(f"#comment-{comment.pk}")
    theirs.get_by_role("link", name="Report this comment").click()
    dialog = page.locator("#report-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Comment by Bea Browser")
    dialog.get_by_label("Off-topic").check()
    dialog.get_by_label("Anything the moderators should know?").fill("Nothing to do with it")
    dialog.get_by_role("button", name="Report", exact=True).click()

    theirs = page.locator(f"#comment-{comment.pk}")
    expect(theirs).to_contain_text(services.REPORT_THANKS)
    expect(theirs.locator(".reported")).to_have_text("Reported")
    expect(theirs.get_by_role("link", name="Report this comment")).to_have_count(0)
    report = Report.objects.get()
    assert (report.reason, report.note, report.reporter) == (
        "off_topic", "Nothing to do with it", reader
    )

    # Trying again by the report page (the no-JavaScript way) is refused with the reason.
    page.goto(f"{live_server.url}{reverse('report_comment', args=[site.slug, comment.pk])}")
    page.get_by_label("Spam").check()
    page.get_by_role("button", name="Report", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("You have already reported this comment")
    assert Report.objects.count() == 1
    context.close()


def test_cancel_in_the_report_dialog_sends_nothing(
    browser, live_server, site, article, other_subscriber, reader
):
    comment = services.post_comment(
        site=site, article=article, author=other_subscriber, text="Controversial take"
    )
    thread_path = reverse("thread", args=[site.slug, article.pk])
    context, page = sign_in(browser, live_server, "rita", thread_path)

    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Report this comment").click()
    dialog = page.locator("#report-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Spam").check()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()

    # Reopening starts afresh: the cancelled choice is not kept.
    page.locator(f"#comment-{comment.pk}").get_by_role("link", name="Report this comment").click()
    expect(dialog.get_by_label("Spam")).not_to_be_checked()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.reload()
    assert not Report.objects.exists()
    assert not Disagreement.objects.exists()
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("Report this comment")
    context.close()


def test_show_more_appends_the_next_page_in_place(
    browser, live_server, site, article, other_subscriber, settings
):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}
    comments = [
        services.post_comment(
            site=site, article=article, author=other_subscriber, text=f"Comment {n}"
        )
        for n in range(55)
    ]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('thread', args=[site.slug, article.pk])}?sort=oldest")
    items = page.locator("#comment-list > li.comment")
    expect(items).to_have_count(50)

    page.get_by_role("link", name="Show more comments").click()

    expect(items).to_have_count(55)
    expect(items.last).to_have_id(f"comment-{comments[-1].pk}")
    expect(page.get_by_role("link", name="Show more comments")).to_have_count(0)
    assert "page=" not in page.url  # appended in place, not a new page
    context.close()
