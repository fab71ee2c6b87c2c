"""The desk's confirmation after "Dismiss": on a comment nobody reported, only triage's
flag was dismissed, and the message says so; with open reports it names the reports."""

import re

import pytest
from django.urls import reverse

from belowtheline.discussion import services as discussion
from belowtheline.triage.models import TriageFlag
from tests.moderation.test_flagged_tab import WEDNESDAY_MORNING, _flagged, _tab

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def schedule(site):
    from belowtheline.sites.services import seed_default_cover

    seed_default_cover(site=site)


def _dismiss(client, site, comment, tab: str) -> str:
    html = _tab(client, site, tab=tab)
    seen = re.search(r'name="seen_decision" value="(\d+)"', html).group(1)
    response = client.post(reverse("moderation_dismiss", args=[site.slug, comment.pk]),
                           {"seen_decision": seen, "next": "/"}, follow=True)
    assert response.status_code == 200
    return " ".join(m.message for m in response.context["messages"])


def test_dismissing_an_unreported_flag_says_the_flag_was_dismissed(
        client, moderator, site, article, subscriber):
    client.force_login(moderator)
    comment = _flagged(site, article, subscriber, "Looks worse than it is.")

    said = _dismiss(client, site, comment, "flagged")

    assert f"Flag on Sam Subscriber's comment (#{comment.pk}) dismissed" in said
    assert "Reports" not in said
    assert TriageFlag.objects.get(comment=comment).outcome == "dismissed"


def test_dismissing_reports_still_says_the_reports_were_dismissed(
        client, moderator, site, article, subscriber, other_subscriber):
    client.force_login(moderator)
    comment = discussion.post_comment(site=site, article=article, author=subscriber,
                                      text="An ordinary comment.", now=WEDNESDAY_MORNING)
    discussion.report_comment(site=site, comment_id=comment.pk, reporter=other_subscriber,
                              reason="abusive")

    said = _dismiss(client, site, comment, "reported")

    assert f"Reports on Sam Subscriber's comment (#{comment.pk}) dismissed" in said
