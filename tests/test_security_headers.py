"""The security headers every page type carries, and Django's deploy check in production.

A script that slips past escaping is blocked by the policy (`script-src 'self'`, never
'unsafe-inline'); the embed keeps its own frame-ancestors, every other page may only be
framed by us.
"""

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from belowtheline.discussion import services


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_secure(response, *, ancestors: str = "frame-ancestors 'none'") -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    if not response["Content-Type"].startswith("text/html"):
        # JSON runs under the policy of the page that fetched it, never its own
        assert "Content-Security-Policy" not in response
        return
    policy = directives(response)
    assert policy["script-src"] == "script-src 'self'"
    assert "unsafe-inline" not in policy["script-src"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert policy["object-src"] == "object-src 'none'"
    assert policy["base-uri"] == "base-uri 'none'"
    assert policy["frame-ancestors"] == ancestors
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def pages(site, rules, article, subscriber):
    comment = services.post_comment(site=site, article=article, author=subscriber,
                                    text="The bridge is overdue.")
    return {
        "front": "/",
        "thread": f"/sites/{site.slug}/threads/{article.pk}/",
        "rules": reverse("rules", args=[site.slug]),
        "login": reverse("login"),
        "api thread": f"/api/v1/sites/{site.slug}/articles/{article.pk}/thread",
        "api docs": "/api/v1/docs",
        "admin login": "/admin/login/",
        "dashboard": reverse("moderation_queue", args=[site.slug]),
        "comment page": reverse("moderation_comment", args=[site.slug, comment.pk]),
        "author page": reverse("moderation_user", args=[site.slug, subscriber.pk]),
        "not found": "/no-such-page/",
    }


def test_every_page_type_carries_the_policy_and_the_security_headers(pages, moderator, site):
    anonymous, staff = Client(), Client()
    staff.force_login(moderator)
    for name, path in pages.items():
        client = staff if name in ("dashboard", "comment page", "author page") else anonymous
        response = client.get(path)
        assert response.status_code in (200, 404), (name, response.status_code)
        assert_secure(response)
        if name == "thread":  # the second read is the cached body: the same headers
            assert_secure(anonymous.get(path))


def test_the_embed_may_be_framed_by_the_sites_origins_only_and_keeps_the_policy(
        site, rules, article):
    site.allowed_origins = "https://www.gazette.example"
    site.save()
    path = f"/sites/{site.slug}/threads/{article.pk}/?embed=1"
    for response in (Client().get(path), Client().get(path)):  # rendered, then cached
        assert response.status_code == 200
        assert_secure(response, ancestors="frame-ancestors 'self' https://www.gazette.example")
        assert "X-Frame-Options" not in response


def test_the_deploy_check_is_clean_in_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG",)}
    env.update(BTL_BEHIND_TLS_PROXY="1", BTL_VAR_DIR=str(tmp_path),
               SECRET_KEY="x7Rk2-" + "q9Zp4Lm8Vb3Nc6Xj1Hg5Tf0Wd2Ys7Ue4Ra9Ok3Ii8Pl6Mn1Bv5Cx",
               ALLOWED_HOSTS="comments.example.com")
    result = subprocess.run([sys.executable, "-m", "belowtheline.cli", "check", "--deploy",
                             "--fail-level", "WARNING"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
