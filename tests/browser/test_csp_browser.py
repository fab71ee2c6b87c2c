"""The policy blocks nothing of ours: every page type loads in Chromium with no Content
Security Policy violation (a violation would mean a script, style or request of ours
that the policy stops, i.e. a broken page)."""

import pytest
from django.urls import reverse

from belowtheline.discussion import services
from tests.accounts.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def test_no_page_type_trips_the_policy(browser, live_server, site, rules, article,
                                       subscriber, moderator):
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="The bridge is overdue.")
    context = browser.new_context()
    context.add_init_script(LISTEN)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))

    def visit(path: str) -> None:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__violations") == [], path

    visit(f"/sites/{site.slug}/threads/{article.pk}/")
    visit(f"/sites/{site.slug}/threads/{article.pk}/?embed=1")
    visit(reverse("rules", args=[site.slug]))
    visit("/api/v1/docs")
    visit("/admin/login/")
    page.goto(f"{live_server.url}{reverse('login')}")
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    visit(reverse("moderation_queue", args=[site.slug]))
    visit(reverse("moderation_comment", args=[site.slug, comment.pk]))
    visit(reverse("moderation_user", args=[site.slug, subscriber.pk]))
    visit(reverse("moderation_stats", args=[site.slug]))
    assert [m for m in console if "Content Security Policy" in m] == []
    context.close()
