"""The "Comments & moderation" notice under every thread states the cover hours from the
schedule itself, so that it can never disagree with the configuration."""

from datetime import time

from django.urls import reverse

from belowtheline.sites.models import CoverKind, CoverPeriod, Site
from belowtheline.sites.services import seed_default_cover
from tests.discussion.factories import ArticleFactory
from tests.sites.factories import SiteFactory

DEFAULT_HOURS = (
    "Moderated full-time 9am–6pm on weekdays, and part-time outside those hours, UK time."
)


def notice(client, site: Site) -> str:
    """The notice's own markup, from the public thread page of a new article."""
    article = ArticleFactory(site=site)
    response = client.get(reverse("thread", args=[site.slug, article.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<aside class="notice"')
    return html[start:html.index("</aside>", start)]


def test_notice_states_the_default_schedule_after_the_publishers_text(client, site):
    seed_default_cover(site=site)
    html = notice(client, site)
    assert f'<p class="notice-hours">{DEFAULT_HOURS}</p>' in html
    publisher_text = site.moderation_notice.split("\n\n")[0]
    assert html.index("Report this comment") < html.index(DEFAULT_HOURS)
    assert publisher_text[:40] in html


def test_notice_follows_a_change_to_the_schedule(client, site):
    seed_default_cover(site=site)
    CoverPeriod.objects.create(site=site, weekday=5, starts=time(10), ends=time(16),
                               kind=CoverKind.FULL_TIME)
    for day in range(7):
        CoverPeriod.objects.create(site=site, weekday=day, starts=time(0), ends=time(6),
                                   kind=CoverKind.NONE)
    html = notice(client, site)
    assert DEFAULT_HOURS not in html
    assert (
        "Moderated full-time 9am–6pm on weekdays; 10am–4pm on Saturdays, and part-time "
        "outside those hours. No moderator is on duty midnight–6am every day, UK time."
    ) in html


def test_notice_names_the_sites_own_time_zone(client, db):
    site = SiteFactory(slug="ny", time_zone="America/New_York")
    seed_default_cover(site=site)
    html = notice(client, site)
    assert "part-time outside those hours, America/New_York time." in html
    assert "UK time" not in html


def test_a_site_without_full_time_cover_says_so(client, site):
    assert "Moderated part-time at all hours, UK time." in notice(client, site)
