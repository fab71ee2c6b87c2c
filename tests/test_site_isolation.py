"""No endpoint leaks one site's comments, users, reports or settings to another.

Two publications, each with marked data. Site B's admin (who may see everything of site
B) asks every GET operation in the API description, and every staff and reader page, for
site B, with site B's ids and with site A's ids in the path and query: site A's markers
must never appear in any answer.
"""

import re

import pytest
from django.test import Client

from belowtheline.discussion import services as discussion
from belowtheline.moderation import services as moderation
from tests.conftest import make_staff, make_subscriber
from tests.discussion.factories import ArticleFactory, RulesVersionFactory
from tests.sites.factories import SiteFactory

MARK = "ALPHAMARK"


@pytest.fixture
def world(db, settings):
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "1000/60"}
    alpha = SiteFactory(slug="alpha", name=f"{MARK} Gazette", moderation_notice=f"{MARK} notice",
                        allowed_origins="https://alpha.example")
    beta = SiteFactory(slug="beta", name="Beta Bugle")
    ids = {}
    for site, tag in ((alpha, MARK), (beta, "beta")):
        RulesVersionFactory(site=site, number=1)
        article = ArticleFactory(site=site, title=f"{tag} story",
                                 canonical_url=f"https://{site.slug}.example/story")
        author = make_subscriber(site, username=f"{tag.lower()}-author",
                                 display_name=f"{tag} Author")
        reader = make_subscriber(site, username=f"{tag.lower()}-reader",
                                 display_name=f"{tag} Reader")
        moderator = make_staff(site, "admin", f"{tag.lower()}-admin")
        comment = discussion.post_comment(site=site, article=article, author=author,
                                          text=f"{tag} comment text")
        discussion.report_comment(site=site, comment_id=comment.pk, reporter=reader,
                                  reason="abusive", note=f"{tag} report note")
        sanction = moderation.sanction_author(site=site, actor=moderator, user_id=author.pk,
                                              kind="premoderation", reason=f"{tag} sanction")
        moderation.add_moderator_note(site=site, actor=moderator, user_id=author.pk,
                                      text=f"{tag} moderator note")
        ids[site.slug] = {"article_id": article.pk, "comment_id": comment.pk,
                          "user_id": author.pk, "sanction_id": sanction.pk,
                          "url": article.canonical_url, "admin": moderator}
    return alpha, beta, ids


def _paths_from_openapi(client: Client) -> list[str]:
    schema = client.get("/api/v1/openapi.json").json()
    return [path for path, methods in schema["paths"].items() if "get" in methods]


def _fill(template: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)


def test_no_get_endpoint_or_page_shows_another_sites_data(world):
    alpha, beta, ids = world
    client = Client()
    client.force_login(ids["beta"]["admin"])
    api_paths = _paths_from_openapi(client)
    assert len(api_paths) >= 9
    pages = [
        "/sites/{site}/threads/{article_id}/", "/sites/{site}/articles/{article_id}/",
        "/sites/{site}/rules/", "/sites/{site}/rules/v1/", "/sites/{site}/why-subscribers/",
        "/sites/{site}/notifications/", "/sites/{site}/comments/{comment_id}/report/",
        "/moderate/{site}/", "/moderate/{site}/?tab=held", "/moderate/{site}/?tab=recent",
        "/moderate/{site}/?tab=decided", "/moderate/{site}/comments/{comment_id}/",
        "/moderate/{site}/users/{user_id}/", "/moderate/{site}/audit.csv",
        "/moderate/stats/{site}/",
    ]
    checked = 0
    for source in ("beta", "alpha"):  # beta's own ids, then alpha's ids through beta
        values = {"site": "beta", **{k: v for k, v in ids[source].items() if k != "admin"}}
        for template in api_paths + pages:
            url = _fill(template, values)
            query = {"url": values["url"], "tab": "reported"} if "/api/" in url else {}
            response = client.get(url, query)
            assert response.status_code < 500, url
            body = response.content.decode()
            assert MARK not in body, f"{url} ({source}'s ids) shows site alpha's data"
            checked += 1
    counts = client.get("/embed/beta/counts", {"url": ids["alpha"]["url"]},
                        HTTP_ORIGIN="https://alpha.example")
    assert MARK not in counts.content.decode()
    assert checked >= 2 * (len(api_paths) + len(pages))


def test_site_alphas_staff_sees_its_own_data_through_the_same_urls(world):
    """The check above is only worth something if the markers do show where they belong."""
    alpha, beta, ids = world
    client = Client()
    client.force_login(ids["alpha"]["admin"])
    values = {"site": "alpha", **{k: v for k, v in ids["alpha"].items() if k != "admin"}}
    for template in ("/moderate/{site}/", "/moderate/{site}/users/{user_id}/",
                     "/api/v1/sites/{site}/articles/{article_id}/thread"):
        assert MARK in client.get(_fill(template, values)).content.decode(), template
