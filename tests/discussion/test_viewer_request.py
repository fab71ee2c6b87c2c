"""The per-reader request (`/threads/<id>/viewer` and the API's `thread/viewer`): a
subscriber's own part of the shared page, for that reader alone, telling a sanctioned
reader they cannot comment, in a handful of queries whatever the thread."""

from datetime import timedelta

import jwt
import pytest
from django.test import Client
from django.urls import reverse

from belowtheline import clock
from belowtheline.accounts.models import User
from belowtheline.discussion import services
from belowtheline.moderation import services as moderation

SECRET = "a-long-shared-secret-for-the-gazette-0123456789"


@pytest.fixture
def token_site(site, rules):
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    return site


def token_for(site, sub: str, name: str, *, subscriber: bool = True) -> str:
    now = clock.now()
    return jwt.encode(
        {"sub": sub, "name": name, "subscriber": subscriber, "aud": site.slug,
         "iat": int(now.timestamp()), "exp": int((now + timedelta(hours=1)).timestamp())},
        SECRET, algorithm="HS256",
    )


def viewer_path(site, article) -> str:
    return reverse("thread_viewer", args=[site.slug, article.pk])


def api_viewer_path(site, article) -> str:
    return f"/api/v1/sites/{site.slug}/articles/{article.pk}/thread/viewer"


def as_token(path: str, token: str, **params):
    response = Client().get(path, params, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, no-store"
    return response


def reader_from(site, token: str) -> User:
    """The reader a token stands for, as their first request creates them."""
    as_token(viewer_path(site, site_article(site)), token)
    return User.objects.get(external_identity__site=site,
                            external_identity__subject=jwt.decode(
                                token, options={"verify_signature": False})["sub"])


def site_article(site):
    from belowtheline.discussion.models import Article  # noqa: PLC0415

    return Article.objects.filter(site=site).order_by("pk").first()


def test_one_readers_part_never_reaches_another(token_site, article, other_subscriber,
                                                  moderator):
    site = token_site
    theirs = services.post_comment(site=site, article=article, author=other_subscriber,
                                   text="Someone else's comment")
    tess_token = token_for(site, "tess", "Tess Token")
    tess = reader_from(site, tess_token)
    services.accept_rules(site=site, user=tess)
    services.recommend_comment(site=site, comment_id=theirs.pk, user=tess)
    services.report_comment(site=site, comment_id=theirs.pk, reporter=tess, reason="spam")
    held = services.post_comment(site=site, article=article, author=tess,
                                 text="Tess's words under review")
    moderation.hold_comment(site=site, actor=moderator, comment_id=held.pk)
    session_reader = Client()
    session_reader.force_login(other_subscriber)
    with_csrf = session_reader.get(viewer_path(site, article)).json()
    assert with_csrf["csrf_token"]

    mine = as_token(viewer_path(site, article), tess_token).json()
    assert (mine["name"], mine["recommended"], mine["reported"]) == (
        "Tess Token", [theirs.pk], [theirs.pk])
    assert [u["id"] for u in mine["unpublished"]] == [held.pk]

    rob_token = token_for(site, "rob", "Rob Reader")
    for response in (as_token(viewer_path(site, article), rob_token),
                     as_token(api_viewer_path(site, article), rob_token),
                     as_token(f"/api/v1/sites/{site.slug}/articles/{article.pk}/thread",
                              rob_token)):
        body = response.content.decode()
        assert "Tess" not in body
        assert "under review" not in body
        assert with_csrf["csrf_token"] not in body
        assert str(theirs.pk) not in str(response.json().get("recommended", []))
    robs = as_token(viewer_path(site, article), rob_token).json()
    assert (robs["name"], robs["recommended"], robs["reported"], robs["own"],
            robs["unpublished"], robs["csrf_token"]) == ("Rob Reader", [], [], [], [], None)
    api = as_token(api_viewer_path(site, article), rob_token).json()
    assert (api["recommended_ids"], api["reported_ids"], api["own_ids"], api["comments"]) == (
        [], [], [], [])
    shared = Client().get(reverse("thread", args=[site.slug, article.pk]), {"embed": "1"})
    assert "Tess" not in shared.content.decode()
    assert "Rob Reader" not in shared.content.decode()


@pytest.mark.parametrize("kind", ["ban", "suspension"])
def test_a_sanctioned_subscriber_is_told_they_cannot_comment(token_site, article, moderator,
                                                             kind):
    site = token_site
    token = token_for(site, "troll", "Terry Troll")
    terry = reader_from(site, token)
    services.accept_rules(site=site, user=terry)
    assert as_token(viewer_path(site, article), token).json()["can_comment"]

    sanction = moderation.sanction_author(site=site, actor=moderator, user_id=terry.pk,
                                          kind=kind, days=3 if kind == "suspension" else None,
                                          reason="Repeated abuse")

    data = as_token(viewer_path(site, article), token).json()
    assert (data["subscriber"], data["can_comment"], data["can_reply"], data["box"]) == (
        True, False, False, "refused")
    assert 'name="text"' not in data["box_html"]
    expected = ("no longer comment" if kind == "ban" else "suspended from commenting until")
    assert expected in data["box_html"]
    api = as_token(api_viewer_path(site, article), token).json()["viewer"]
    assert (api["can_comment"], api["refusal"]["code"]) == (
        False, "author_banned" if kind == "ban" else "author_suspended")
    assert expected in api["refusal"]["message"]

    moderation.lift_sanction(site=site, actor=moderator, sanction_id=sanction.pk)
    data = as_token(viewer_path(site, article), token).json()
    assert (data["can_comment"], data["box"]) == (True, "comment")
    assert as_token(api_viewer_path(site, article), token).json()["viewer"]["refusal"] is None


def test_a_subscribers_viewer_request_costs_four_queries_with_a_token(
    token_site, article, other_subscriber, settings, django_assert_num_queries
):
    """The site, the reader (identity, account and subscription), the article, and their
    marks on it with their acceptance of the rules. The current rules and who is
    sanctioned are kept per site; a reader seen within a quarter of an hour writes nothing."""
    site = token_site
    settings.BTL_RATE_LIMITS = {**settings.BTL_RATE_LIMITS, "comment": "100000/60"}
    for n in range(30):
        services.post_comment(site=site, article=article, author=other_subscriber,
                              text=f"Comment {n}")
    token = token_for(site, "quiet", "Quinn Quiet")
    services.accept_rules(site=site, user=reader_from(site, token))
    for path in (viewer_path(site, article), api_viewer_path(site, article)):
        as_token(path, token)  # the shared rendering the API's request names, once
        with django_assert_num_queries(4):
            as_token(path, token)


def test_a_token_readers_comment_box_follows_the_article_and_carries_nothing_of_theirs(
    token_site, article
):
    """The box is rendered once per page and configuration for token readers (it holds no
    CSRF token, flash message or name); a change to the article still reaches it."""
    site = token_site
    tokens = [token_for(site, f"reader-{n}", f"Reader Number{n}") for n in range(2)]
    for token in tokens:
        services.accept_rules(site=site, user=reader_from(site, token))
    first, second = (as_token(viewer_path(site, article), t).json()["box_html"]
                     for t in tokens)
    assert first == second
    assert 'name="text"' in first
    assert "csrfmiddlewaretoken" not in first
    assert "Number" not in first

    article.comment_mode = article.CommentMode.PREMODERATED
    article.save()
    box = as_token(viewer_path(site, article), tokens[0]).json()["box_html"]
    assert "checked by a moderator before they appear" in box
