"""The embed: who may register an article, what the answers carry, and the size budgets."""

import gzip
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from belowtheline.discussion.models import Article
from belowtheline.integrations import services
from belowtheline.integrations.embed import EMBED_JS
from tests.discussion.factories import ArticleFactory
from tests.sites.factories import SiteFactory

PUBLISHER = "https://www.gazette.example"
STORY = "https://www.gazette.example/news/2026/bridge"


@pytest.fixture
def embed_site(site):
    site.allowed_origins = f"{PUBLISHER}\nhttps://amp.gazette.example/\n"
    site.save()
    return site


def register(client, site, origin=PUBLISHER, **body):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(
        reverse("embed_articles", args=[site.slug]),
        data=json.dumps({"url": STORY, "title": "Bridge opens", **body}),
        content_type="application/json", **headers,
    )


def test_allowed_origin_registers_the_article_once_and_answers(client, embed_site):
    first = register(client, embed_site, published="2026-11-24T08:00:00+00:00")
    second = register(client, embed_site, title="A later, different title")

    article = Article.objects.get(site=embed_site)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json() == {
        "article_id": article.pk,
        "thread_url": f"http://testserver/sites/{embed_site.slug}/threads/{article.pk}/",
        "comment_count": 0,
    }
    assert (article.canonical_url, article.title) == (STORY, "Bridge opens")
    assert article.published_at.isoformat() == "2026-11-24T08:00:00+00:00"


def test_an_origin_listed_with_a_trailing_slash_is_allowed(client, embed_site):
    assert register(client, embed_site, origin="https://amp.gazette.example").status_code == 201


@pytest.mark.parametrize("origin", ["https://evil.example", "http://www.gazette.example",
                                    "null", None])
def test_a_foreign_or_missing_origin_is_refused_and_nothing_is_created(
    client, embed_site, origin
):
    response = register(client, embed_site, origin=origin)

    assert response.status_code == 403
    assert response.json()["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response
    assert not Article.objects.filter(site=embed_site).exists()


def test_another_sites_origin_cannot_register_here(client, embed_site):
    other = SiteFactory(slug="courier", allowed_origins="https://courier.example")
    response = register(client, embed_site, origin="https://courier.example")
    assert response.status_code == 403
    assert not Article.objects.filter(site=other).exists()


def test_answers_name_the_exact_origin_and_vary_on_it(client, embed_site):
    response = register(client, embed_site)
    assert response["Access-Control-Allow-Origin"] == PUBLISHER
    assert "Origin" in response["Vary"]


def test_preflight_is_answered_for_an_allowed_origin_only(client, embed_site):
    url = reverse("embed_articles", args=[embed_site.slug])
    ok = client.options(url, HTTP_ORIGIN=PUBLISHER,
                        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type")
    refused = client.options(url, HTTP_ORIGIN="https://evil.example")

    assert ok.status_code == 204
    assert ok["Access-Control-Allow-Origin"] == PUBLISHER
    assert ok["Access-Control-Allow-Methods"] == "POST"
    assert ok["Access-Control-Allow-Headers"] == "Content-Type"
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_a_url_that_is_not_http_is_refused(client, embed_site):
    response = register(client, embed_site, url="javascript:alert(1)")
    assert response.status_code == 400
    assert response.json()["code"] == "url_invalid"
    assert not Article.objects.filter(site=embed_site).exists()


def test_counts_answer_per_url_for_an_allowed_origin(client, embed_site):
    ArticleFactory(site=embed_site, canonical_url=STORY, comment_count=7)
    ArticleFactory(site=SiteFactory(slug="other"), canonical_url=f"{STORY}-2", comment_count=3)
    url = reverse("embed_counts", args=[embed_site.slug])

    response = client.get(url, {"url": [STORY, f"{STORY}-2"]}, HTTP_ORIGIN=PUBLISHER)
    refused = client.get(url, {"url": [STORY]}, HTTP_ORIGIN="https://evil.example")

    # Another site's article of the same URL is not counted here.
    assert response.json() == {"counts": {STORY: 7, f"{STORY}-2": 0}}
    assert response["Access-Control-Allow-Origin"] == PUBLISHER
    assert refused.status_code == 403


def test_the_script_is_served_as_javascript_with_long_caching(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "max-age=86400" in response["Cache-Control"]
    again = client.get("/embed.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_embed_thread_page_may_be_framed_by_the_sites_origins_only(client, embed_site,
                                                                      article):
    embedded = client.get(reverse("thread", args=[embed_site.slug, article.pk]), {"embed": 1})
    plain = client.get(reverse("thread", args=[embed_site.slug, article.pk]))

    assert embedded["Content-Security-Policy"].endswith(
        f"; frame-ancestors 'self' {PUBLISHER} https://amp.gazette.example"
    )
    assert "X-Frame-Options" not in embedded
    assert f'data-embed-origins="{PUBLISHER} https://amp.gazette.example"' in \
        embedded.content.decode()
    assert plain["X-Frame-Options"] == "DENY"
    assert plain["Content-Security-Policy"].endswith("; frame-ancestors 'none'")


def test_a_revalidated_embed_may_still_be_framed_by_the_sites_origins(client, embed_site,
                                                                     article):
    """A browser lays a 304's headers over the copy it keeps: a 304 carrying our default
    policy (frame-ancestors 'none') left the publisher's iframe blocked, with no thread and
    no reader's part in it, whenever the reader came back after the copy went stale."""
    url = reverse("thread", args=[embed_site.slug, article.pk])
    first = client.get(url, {"embed": 1})
    again = client.get(url, {"embed": 1}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "X-Frame-Options" not in again
    # The page that is not framed keeps refusing every frame on revalidation too.
    plain = client.get(url)
    plain_again = client.get(url, HTTP_IF_NONE_MATCH=plain["ETag"])
    assert plain_again.status_code == 304
    assert plain_again["Content-Security-Policy"].endswith("; frame-ancestors 'none'")
    assert plain_again["X-Frame-Options"] == "DENY"
    assert "data-embed-origins" not in plain.content.decode()


def test_allow_embed_origins_adds_only_what_is_missing(embed_site):
    added = services.allow_embed_origins(
        site=embed_site, origins=[PUBLISHER, "http://127.0.0.1:8001"]
    )
    embed_site.refresh_from_db()
    assert added == ["http://127.0.0.1:8001"]
    assert embed_site.origins == [PUBLISHER, "https://amp.gazette.example",
                                  "http://127.0.0.1:8001"]


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9))


def test_the_embed_script_is_at_most_2_kb_gzipped():
    assert gzipped_size(EMBED_JS.read_bytes()) <= 2048


def test_what_the_thread_page_loads_besides_its_html_is_at_most_20_kb_gzipped(
    client, embed_site, article
):
    html = client.get(
        reverse("thread", args=[embed_site.slug, article.pk]), {"embed": 1}
    ).content.decode()
    assets = re.findall(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="/static/([^"]+)"', html)
    assert any(a.endswith(".css") for a in assets)
    assert any(a.endswith(".js") for a in assets)
    # Nothing from anyone else: no absolute addresses on scripts, styles, images or frames.
    assert not re.findall(r'<(?:script|link|img|iframe)[^>]*\s(?:src|href)="(?:https?:)?//', html)
    total = sum(gzipped_size(Path(finders.find(a)).read_bytes()) for a in assets)
    assert total <= 20 * 1024, f"{assets}: {total} bytes gzipped"


def test_embedded_thread_leaves_sign_in_to_the_publisher(client, site, article):
    embedded = client.get(f"/sites/{site.slug}/threads/{article.pk}/?embed=1").content.decode()
    standalone = client.get(f"/sites/{site.slug}/threads/{article.pk}/").content.decode()
    assert ">Sign up<" not in embedded
    assert ">Sign up<" in standalone
