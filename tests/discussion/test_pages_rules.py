"""The public, versioned rules pages and the "Why only subscribers?" page."""

from datetime import UTC, datetime

from django.urls import reverse

from tests.discussion.factories import RulesVersionFactory


def get(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_rules_page_shows_numbered_rules_with_stable_anchors(client, site, rules):
    html = get(client, "rules", site.slug)
    assert rules.preamble in html
    for number, title in enumerate(["Be civil", "Stay on topic", "No spam"], start=1):
        assert f'id="rule-{number}"' in html
        assert title in html
    assert "The text of the rule called Be civil." in html


def test_last_updated_is_the_publication_date_in_the_sites_time_zone(client, site):
    # 23:30 UTC on 1 July is already 2 July in London (BST).
    RulesVersionFactory(site=site, number=1, published_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    assert "Last updated: 2 July 2026" in get(client, "rules", site.slug)


def test_rules_page_lists_earlier_versions_and_marks_them_superseded(client, site):
    RulesVersionFactory(
        site=site, number=1, published_at=datetime(2026, 1, 10, 12, tzinfo=UTC),
        rules=["Old rule"],
    )
    RulesVersionFactory(
        site=site, number=2, published_at=datetime(2026, 11, 3, 12, tzinfo=UTC),
        rules=["New rule"],
    )

    html = get(client, "rules", site.slug)
    assert "Last updated: 3 November 2026" in html
    assert "New rule" in html
    assert "Old rule" not in html
    assert "Earlier versions" in html
    assert f'href="/sites/{site.slug}/rules/v1/">Version 1</a>, published 10 January 2026' in html

    old = get(client, "rules_version", site.slug, 1)
    assert "Superseded." in old
    assert "replaced by version 2 on 3 November 2026" in old
    assert "Old rule" in old
    assert 'id="rule-1"' in old
    assert f'href="/sites/{site.slug}/rules/">Read the current rules</a>' in old


def test_current_version_by_number_is_not_marked_superseded(client, site, rules):
    html = get(client, "rules_version", site.slug, rules.number)
    assert "Superseded" not in html
    assert "Last updated:" in html


def test_unknown_or_draft_version_is_404(client, site, rules):
    RulesVersionFactory(site=site, number=2, published_at=None)
    assert client.get(reverse("rules_version", args=[site.slug, 2])).status_code == 404
    assert client.get(reverse("rules_version", args=[site.slug, 9])).status_code == 404


def test_no_rules_yet_is_a_page_saying_so(client, site):
    html = get(client, "rules", site.slug)
    assert "has not published its community rules yet" in html


def test_rules_of_an_unknown_site_are_404(client, db):
    assert client.get(reverse("rules", args=["nowhere"])).status_code == 404


def test_why_subscribers_page_shows_the_publishers_text_as_paragraphs(client, site):
    site.why_subscribers_text = "First reason.\n\nSecond <reason>."
    site.subscribe_url = "https://gazette.example/subscribe"
    site.save()
    html = get(client, "why_subscribers", site.slug)
    assert "<p>First reason.</p>" in html
    assert "<p>Second &lt;reason&gt;.</p>" in html
    assert 'href="https://gazette.example/subscribe"' in html
