"""A token header of any size is answered at once: past the documented size it is refused
before anything in it is decoded."""

from django.test import Client

from belowtheline.accounts.sso import MAX_TOKEN_LENGTH
from tests.api.test_bearer_tokens import SECRET, bearer, token


def test_a_huge_token_is_refused_with_401_and_a_normal_one_still_works(site, rules, article):
    site.sso_algorithm, site.sso_secret = "HS256", SECRET
    site.save()
    huge = token(site, padding="x" * 100_000)
    assert len(huge) > MAX_TOKEN_LENGTH
    for path in (f"/api/v1/sites/{site.slug}/me",
                 f"/sites/{site.slug}/threads/{article.pk}/viewer"):
        answer = Client().get(path, **bearer(huge))
        assert answer.status_code == 401, path
        assert "token_too_large" in answer["WWW-Authenticate"]
    assert Client().get(f"/api/v1/sites/{site.slug}/me", **bearer(token(site))).status_code == 200
