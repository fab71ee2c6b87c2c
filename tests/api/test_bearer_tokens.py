"""Signed subscriber tokens through the API, end to end: `Authorization: Bearer <jwt>`."""

from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.test import Client

from belowtheline import clock
from belowtheline.accounts.models import ExternalIdentity
from belowtheline.discussion.models import Comment, Report
from tests.api.conftest import api_path, send
from tests.sites.factories import SiteFactory

SECRET = "the-gazettes-shared-secret-0123456789abcdef"


@pytest.fixture
def sso_site(site, rules):
    site.sso_algorithm = "HS256"
    site.sso_secret = SECRET
    site.save()
    return site


def token(site, *, secret: str = SECRET, **overrides) -> str:
    now = clock.now()
    claims = {
        "sub": "p-1001",
        "name": "Token Tess",
        "subscriber": True,
        "aud": site if isinstance(site, str) else site.slug,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
        **overrides,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(value: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def _post(client, site, article, text="Well reported.", auth=None):
    return send(client, "post", api_path(site, f"articles/{article.pk}/comments"),
                {"text": text}, **(auth or {}))


def test_a_token_subscriber_accepts_the_rules_then_comments(sso_site, article):
    # Enforcing CSRF as a browser would: a bearer request needs no CSRF token.
    app = Client(enforce_csrf_checks=True)
    auth = bearer(token(sso_site))

    first = _post(app, sso_site, article, auth=auth)
    assert first.status_code == 403
    assert first.json()["code"] == "rules_not_accepted"

    standing = send(app, "get", api_path(sso_site, "me"), **auth).json()
    assert (standing["signed_in"], standing["subscriber"], standing["must_accept_rules"]) == (
        True, True, True
    )

    accepted = send(app, "post", api_path(sso_site, "rules/acceptance"), {}, **auth)
    assert accepted.status_code == 201

    posted = _post(app, sso_site, article, auth=auth)
    assert posted.status_code == 201, posted.json()
    comment = Comment.objects.get(site=sso_site, pk=posted.json()["id"])
    assert comment.author.display_name == "Token Tess"
    assert comment.author.external_identity.subject == "p-1001"


def test_a_non_subscriber_token_may_report_but_not_comment(sso_site, article, comment):
    app = Client()
    auth = bearer(token(sso_site, sub="p-2", subscriber=False))
    send(app, "post", api_path(sso_site, "rules/acceptance"), {}, **auth)

    refused = _post(app, sso_site, article, auth=auth)
    assert refused.status_code == 403
    assert refused.json()["code"] == "subscription_required"

    reported = send(app, "post", api_path(sso_site, f"comments/{comment.pk}/reports"),
                    {"reason": "abusive"}, **auth)
    assert reported.status_code == 201
    assert Report.objects.filter(site=sso_site, comment=comment).count() == 1


def test_a_lapsed_token_stops_commenting_on_the_next_request(sso_site, article):
    app = Client()
    send(app, "post", api_path(sso_site, "rules/acceptance"), {}, **bearer(token(sso_site)))
    assert _post(app, sso_site, article, auth=bearer(token(sso_site))).status_code == 201

    lapsed = _post(app, sso_site, article, auth=bearer(token(sso_site, subscriber=False)))
    assert lapsed.status_code == 403
    assert lapsed.json()["code"] == "subscription_required"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda s: token(s, secret="someone-elses-secret-0123456789abcdef"), "token_invalid"),
        (lambda s: token(s, exp=int((clock.now() - timedelta(hours=1)).timestamp()),
                         iat=int((clock.now() - timedelta(hours=2)).timestamp())),
         "token_expired"),
        (lambda s: token(s, exp=int((clock.now() + timedelta(days=2)).timestamp())),
         "token_lifetime_too_long"),
        (lambda s: token("nowhere"), "token_wrong_audience"),
        (lambda s: "not-a-jwt", "token_invalid"),
        (lambda s: "", "token_invalid"),
    ],
)
def test_a_bad_token_is_401_and_never_falls_back_to_the_session(
    sso_site, article, subscriber, client_for, make, code
):
    signed_in = client_for(subscriber)  # a perfectly good session in the same browser
    auth = bearer(make(sso_site))

    for response in (
        _post(signed_in, sso_site, article, auth=auth),
        send(signed_in, "get", api_path(sso_site, "me"), **auth),
        send(signed_in, "get", api_path(sso_site, f"articles/{article.pk}/thread"), **auth),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == code
        assert response.json()["message"]
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Comment.objects.filter(site=sso_site, author=subscriber).exists()


def test_a_bad_token_on_a_page_gets_a_short_401_page(sso_site, subscriber, client_for):
    signed_in = client_for(subscriber)
    response = signed_in.get(f"/sites/{sso_site.slug}/rules/", **bearer("garbage"))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/plain")
    assert b"malformed" in response.content


def test_a_token_for_one_site_is_refused_on_another_sites_address(sso_site, other_site):
    other_site.sso_algorithm = "HS256"
    other_site.sso_secret = SECRET
    other_site.save()
    app = Client()

    response = send(app, "get", api_path(other_site, "me"), **bearer(token(sso_site)))
    assert response.status_code == 401
    assert response.json()["code"] == "token_wrong_audience"
    assert not ExternalIdentity.objects.exists()


def test_a_site_without_tokens_refuses_them(db):
    plain = SiteFactory(slug="plain")
    response = send(Client(), "get", api_path(plain, "me"), **bearer(token(plain)))
    assert response.status_code == 401
    assert response.json()["code"] == "sso_not_configured"


def test_a_token_request_leaves_the_session_alone(sso_site, article, subscriber, client_for):
    signed_in = client_for(subscriber)
    session_before = signed_in.cookies[settings.SESSION_COOKIE_NAME].value

    response = send(signed_in, "get", api_path(sso_site, "me"), **bearer(token(sso_site)))
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert signed_in.cookies[settings.SESSION_COOKIE_NAME].value == session_before
    # The token's reader acted, not the session's, and the session still works on its own.
    sent = send(signed_in, "post", api_path(sso_site, "rules/acceptance"), {},
                **bearer(token(sso_site)))
    assert sent.status_code == 201
    assert ExternalIdentity.objects.get(site=sso_site).user != subscriber
    assert send(signed_in, "get", api_path(sso_site, "me")).json()["must_accept_rules"] is False


def test_a_token_is_refused_with_json_when_the_client_asks_for_json(sso_site):
    response = Client().get(f"/sites/{sso_site.slug}/rules/", HTTP_ACCEPT="application/json",
                            **bearer("garbage"))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_other_authorization_schemes_are_not_ours(sso_site, article):
    response = send(Client(), "get", api_path(sso_site, f"articles/{article.pk}/thread"),
                    HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 200


def test_the_embeds_page_requests_work_with_a_token_and_no_session(sso_site, article):
    """The embed's iframe fetches the thread page and posts its forms with the token in the
    header: no cookie, no CSRF token, and no session is created."""
    from belowtheline.discussion import services

    frame = Client(enforce_csrf_checks=True)
    auth = bearer(token(sso_site))
    page = frame.get(f"/sites/{sso_site.slug}/threads/{article.pk}/", **auth)
    assert page.status_code == 200
    user = ExternalIdentity.objects.get(site=sso_site, subject="p-1001").user
    services.accept_rules(site=sso_site, user=user)

    posted = frame.post(f"/sites/{sso_site.slug}/threads/{article.pk}/comments/",
                        {"text": "From the embed."}, **auth)
    assert posted.status_code in (302, 303)
    assert Comment.objects.filter(site=sso_site, author=user, text="From the embed.").exists()
    assert settings.SESSION_COOKIE_NAME not in posted.cookies
    assert settings.SESSION_COOKIE_NAME not in frame.cookies
