"""A moderator at work in a real browser: signs in, opens the Reported tab, removes a
comment citing a rule, and the public thread then shows the tombstone; and the same queue
worked from the keyboard alone."""

import pytest
from django.conf import settings
from django.urls import reverse

from belowtheline.accounts.models import StaffRole
from belowtheline.discussion import services
from belowtheline.discussion.models import Comment, Report
from belowtheline.moderation.models import AuditEntry
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

SCREENSHOT = settings.BASE_DIR / "var" / "screenshots" / "moderation.png"


@pytest.fixture
def moderator(site):
    user = UserFactory(username="mona", display_name="Mona Moderator")
    StaffRole.objects.create(site=site, user=user, role="moderator", cover="full_time")
    return user


@pytest.fixture
def complaints(site, rules, article, subscriber, other_subscriber, reader):
    """Two reported comments, as readers would leave them."""
    rude = services.post_comment(site=site, article=article, author=subscriber,
                                 text="Anyone who supports this bridge is an idiot.")
    dull = services.post_comment(site=site, article=article, author=other_subscriber,
                                 text="My cat prefers the old ferry.")
    services.report_comment(site=site, comment_id=rude.pk, reporter=reader, reason="abusive",
                            note="Calls people idiots")
    services.report_comment(site=site, comment_id=dull.pk, reporter=reader,
                            reason="off_topic")
    return rude, dull


def sign_in_as_moderator(browser, live_server):
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    page = context.new_page()
    page.goto(f"{live_server.url}{reverse('login')}?next={reverse('moderation_home')}")
    page.get_by_label("Username").fill("mona")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return context, page


def test_moderator_removes_a_comment_citing_a_rule_and_the_thread_shows_the_tombstone(
    browser, live_server, site, article, moderator, complaints
):
    rude, dull = complaints
    context, page = sign_in_as_moderator(browser, live_server)
    # One site to moderate: the picker goes straight to its Reported tab.
    page.wait_for_url(f"{live_server.url}{reverse('moderation_queue', args=[site.slug])}")
    expect(page.get_by_role("link", name="Reported")).to_have_attribute("aria-current", "page")
    row = page.locator(f"#row-{rude.pk}")
    expect(row).to_contain_text("Anyone who supports this bridge is an idiot.")
    expect(row).to_contain_text("Calls people idiots")

    row.get_by_text("Remove", exact=True).click()
    removal = row.locator('details[data-fold="remove"]')
    removal.get_by_label("Rule broken").select_option(label="1. Be civil")
    removal.get_by_label("Reason").fill("Name-calling")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    removal.get_by_role("button", name="Remove, citing this rule").click()

    expect(page.get_by_role("status")).to_contain_text("removed, citing rule 1 (Be civil)")
    expect(page.locator(f"#row-{rude.pk}")).to_have_count(0)
    expect(page.locator(f"#row-{dull.pk}")).to_be_visible()
    entry = AuditEntry.objects.get(comment=rude)
    assert (entry.action, entry.actor, entry.rule.number, entry.reason) == (
        "remove", moderator, 1, "Name-calling")
    context.close()

    reader_view = browser.new_context()
    thread = reader_view.new_page()
    thread.goto(f"{live_server.url}{reverse('thread', args=[site.slug, article.pk])}")
    tombstone = thread.locator(f"#comment-{rude.pk} .tombstone")
    expect(tombstone).to_have_text("Removed by a moderator — breaks rule 1")
    expect(tombstone.get_by_role("link", name="rule 1")).to_have_attribute(
        "href", f"{reverse('rules_version', args=[site.slug, 1])}#rule-1")
    expect(thread.locator("body")).not_to_contain_text("is an idiot")
    reader_view.close()


def test_the_queue_works_from_the_keyboard(browser, live_server, site, moderator, complaints):
    rude, dull = complaints
    context, page = sign_in_as_moderator(browser, live_server)
    page.wait_for_url(f"{live_server.url}{reverse('moderation_queue', args=[site.slug])}")
    rows = page.locator("[data-row]")
    expect(rows).to_have_count(2)
    first_id = int(rows.nth(0).get_attribute("data-comment"))
    second_id = int(rows.nth(1).get_attribute("data-comment"))

    # Typing in the search box is typing, not shortcuts.
    page.get_by_label("Search").fill("")
    page.get_by_label("Search").press("d")
    page.get_by_label("Search").press("j")
    expect(rows.nth(0)).not_to_have_class("row current")
    assert not AuditEntry.objects.exists()

    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()

    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("d")  # dismiss the first

    expect(page.get_by_role("status")).to_contain_text("dismissed")
    expect(page.locator("[data-row]")).to_have_count(1)
    assert Report.objects.get(comment_id=first_id).status == Report.Status.DISMISSED
    # The highlight comes back where it was: now the next comment.
    expect(page.locator(f"#row-{second_id}")).to_be_focused()

    page.keyboard.press("x")  # remove: the rule list opens, focused
    rule = page.locator(f"#remove-rule-{second_id}")
    expect(rule).to_be_focused()
    rule.select_option("2")
    rule.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("removed, citing rule 2")
    assert Comment.objects.get(pk=second_id).status == Comment.Status.REMOVED
    expect(page.locator(".empty")).to_contain_text("No open reports")
    context.close()
