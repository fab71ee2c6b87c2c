"""The demo publication's front page and article pages."""

from datetime import UTC, datetime

from django.urls import reverse

from belowtheline.discussion import services
from tests.discussion.factories import ArticleFactory


def test_front_page_without_a_site_says_how_to_get_the_demo(client, db):
    response = client.get(reverse("front"))
    assert response.status_code == 200
    assert "No publication yet" in response.content.decode()
    assert "btl demo" in response.content.decode()


def test_front_page_lists_articles_with_comment_counts(client, site, article, subscriber):
    services.post_comment(site=site, article=article, author=subscriber, text="One")
    services.post_comment(site=site, article=article, author=subscriber, text="Two")
    quiet = ArticleFactory(site=site, title="A quiet story")

    html = client.get(reverse("front")).content.decode()

    assert "The Test Gazette" in html
    page = f"/sites/{site.slug}/articles/{article.pk}/"
    assert f'href="{page}">Council approves new bridge</a>' in html
    assert f'href="{page}#comments">2 comments</a>' in html
    assert f'href="/sites/{site.slug}/articles/{quiet.pk}/#comments">0 comments</a>' in html
    assert f'href="/sites/{site.slug}/rules/"' in html


def test_article_page_shows_the_story_then_its_thread(client, site, rules, subscriber):
    story = ArticleFactory(
        site=site,
        title="Bridge opens",
        standfirst="Traffic expected to ease.",
        body="First paragraph.\n\nSecond paragraph.",
        published_at=datetime(2026, 11, 3, 9, tzinfo=UTC),
    )
    services.post_comment(site=site, article=story, author=subscriber, text="About time")

    html = client.get(reverse("article", args=[site.slug, story.pk])).content.decode()

    assert "<h1>Bridge opens</h1>" in html
    assert "Traffic expected to ease." in html
    assert "3 November 2026" in html
    assert "<p>First paragraph.</p>" in html
    assert "<p>Second paragraph.</p>" in html
    assert html.index("Second paragraph.") < html.index("About time")
    assert "Comments &amp; moderation" in html


def test_article_page_sort_links_stay_on_the_article_page(client, site, article, rules):
    html = client.get(reverse("article", args=[site.slug, article.pk])).content.decode()
    assert f'href="/sites/{site.slug}/articles/{article.pk}/?sort=oldest"' in html


def test_unknown_article_is_a_404_page(client, site):
    assert client.get(reverse("article", args=[site.slug, 12345])).status_code == 404
    assert client.get(reverse("article", args=["nowhere", 1])).status_code == 404
