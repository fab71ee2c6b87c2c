"""Signed subscriber tokens: what is accepted, what is refused, and what a token decides."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from belowtheline import clock
from belowtheline.accounts.errors import NotASubscriber, TokenRefused
from belowtheline.accounts.models import ExternalIdentity, Subscription
from belowtheline.accounts.selectors import is_subscriber
from belowtheline.accounts.sso import verify_subscriber_token
from belowtheline.discussion import services
from tests.sites.factories import SiteFactory

SECRET = "a-long-shared-secret-for-the-gazette-0123456789"


def _pem_public(private_key) -> str:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def ed_key():
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture
def hs_site(db):
    return SiteFactory(slug="gazette", sso_algorithm="HS256", sso_secret=SECRET)


@pytest.fixture
def rs_site(db, rsa_key):
    return SiteFactory(slug="rsnews", sso_algorithm="RS256", sso_public_key=_pem_public(rsa_key))


@pytest.fixture
def ed_site(db, ed_key):
    return SiteFactory(slug="ednews", sso_algorithm="EdDSA", sso_public_key=_pem_public(ed_key))


def claims(site, **overrides):
    now = clock.now()
    body = {
        "sub": "reader-42",
        "name": "Pat Publisher-Reader",
        "email": "pat@example.org",
        "subscriber": True,
        "aud": site.slug,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def hs_token(site, **overrides) -> str:
    return jwt.encode(claims(site, **overrides), SECRET, algorithm="HS256")


def refusal(site, token) -> str:
    with pytest.raises(TokenRefused) as caught:
        verify_subscriber_token(site=site, token=token, now=clock.now())
    assert caught.value.status == 401
    return caught.value.code


# --- accepted --------------------------------------------------------------------------------

def test_hs256_token_makes_a_subscriber_linked_to_site_and_sub(hs_site):
    user = verify_subscriber_token(site=hs_site, token=hs_token(hs_site), now=clock.now())

    assert user.display_name == "Pat Publisher-Reader"
    assert user.email == "pat@example.org"
    assert user.username == "gazette:reader-42"
    assert not user.has_usable_password()
    assert ExternalIdentity.objects.get(site=hs_site, subject="reader-42").user == user
    assert is_subscriber(site=hs_site, user=user, now=clock.now())


def test_rs256_token_made_by_pyjwt_is_accepted(rs_site, rsa_key):
    token = jwt.encode(claims(rs_site), rsa_key, algorithm="RS256")
    user = verify_subscriber_token(site=rs_site, token=token, now=clock.now())
    assert is_subscriber(site=rs_site, user=user, now=clock.now())


def test_eddsa_token_made_by_pyjwt_is_accepted(ed_site, ed_key):
    token = jwt.encode(claims(ed_site), ed_key, algorithm="EdDSA")
    user = verify_subscriber_token(site=ed_site, token=token, now=clock.now())
    assert is_subscriber(site=ed_site, user=user, now=clock.now())


def test_the_same_sub_is_the_same_person_and_the_token_updates_the_profile(hs_site):
    first = verify_subscriber_token(site=hs_site, token=hs_token(hs_site), now=clock.now())
    again = verify_subscriber_token(
        site=hs_site, token=hs_token(hs_site, name="Pat Renamed", email=...), now=clock.now()
    )
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.display_name, again.email) == ("Pat Renamed", "")
    assert ExternalIdentity.objects.filter(site=hs_site).count() == 1


def test_the_same_sub_on_another_site_is_another_person(hs_site):
    other = SiteFactory(slug="echo", sso_algorithm="HS256", sso_secret=SECRET)
    here = verify_subscriber_token(site=hs_site, token=hs_token(hs_site), now=clock.now())
    there = verify_subscriber_token(site=other, token=hs_token(other), now=clock.now())
    assert here.pk != there.pk


def test_a_very_long_sub_still_fits_a_username(hs_site):
    user = verify_subscriber_token(
        site=hs_site, token=hs_token(hs_site, sub="x" * 255), now=clock.now()
    )
    assert len(user.username) <= 150
    assert ExternalIdentity.objects.get(site=hs_site).subject == "x" * 255


def test_the_issuer_is_checked_when_configured(hs_site):
    hs_site.sso_issuer = "https://accounts.gazette.example"
    hs_site.save()
    good = hs_token(hs_site, iss="https://accounts.gazette.example")
    assert verify_subscriber_token(site=hs_site, token=good, now=clock.now())
    assert refusal(hs_site, hs_token(hs_site, iss="https://evil.example")) == "token_wrong_issuer"
    assert refusal(hs_site, hs_token(hs_site)) == "token_invalid"  # no iss at all


def test_a_token_expired_less_than_a_minute_ago_is_still_accepted(hs_site):
    now = clock.now()
    token = hs_token(hs_site, iat=int((now - timedelta(hours=1)).timestamp()),
                     exp=int((now - timedelta(seconds=30)).timestamp()))
    assert verify_subscriber_token(site=hs_site, token=token, now=now)


# --- refused ---------------------------------------------------------------------------------

def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_alg_none_is_refused(hs_site):
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims(hs_site))}."
    assert refusal(hs_site, unsigned) == "token_algorithm_not_allowed"
    pyjwt_unsigned = jwt.encode(claims(hs_site), None, algorithm="none")
    assert refusal(hs_site, pyjwt_unsigned) == "token_algorithm_not_allowed"


def test_hs256_signed_with_the_rsa_public_key_is_refused(rs_site, rsa_key):
    """The classic confusion: the public key is public, so an attacker signs HS256 with it
    and hopes the server uses it as an HMAC secret."""
    public_pem = _pem_public(rsa_key).encode()
    header = _b64({"alg": "HS256", "typ": "JWT"})
    body = _b64(claims(rs_site))
    signature = base64.urlsafe_b64encode(
        hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    ).rstrip(b"=").decode()
    forged = f"{header}.{body}.{signature}"
    assert refusal(rs_site, forged) == "token_algorithm_not_allowed"
    # And PyJWT itself, given only RS256 and an RSA key object, would not have it either.
    with pytest.raises(jwt.InvalidAlgorithmError):
        jwt.decode(forged, load_pem_public_key(public_pem), algorithms=["RS256"],
                   audience=rs_site.slug)


def test_a_public_key_pasted_as_an_hs256_secret_is_not_usable(db, rsa_key):
    """The precondition of the confusion attack, refused as a configuration fault."""
    pem = _pem_public(rsa_key)
    site = SiteFactory(slug="confused", sso_algorithm="HS256", sso_secret=pem)
    header = _b64({"alg": "HS256", "typ": "JWT"})
    body = _b64(claims(site))
    signature = base64.urlsafe_b64encode(
        hmac.new(pem.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    ).rstrip(b"=").decode()
    assert refusal(site, f"{header}.{body}.{signature}") == "sso_not_configured"


def test_an_rs256_token_at_an_eddsa_site_is_refused(ed_site, rsa_key):
    token = jwt.encode(claims(ed_site), rsa_key, algorithm="RS256")
    assert refusal(ed_site, token) == "token_algorithm_not_allowed"


def test_a_token_for_another_site_is_refused(hs_site):
    assert refusal(hs_site, hs_token(hs_site, aud="echo")) == "token_wrong_audience"
    assert refusal(hs_site, hs_token(hs_site, aud=["gazette", "echo"])) == "token_wrong_audience"


def test_an_expired_token_is_refused(hs_site):
    now = clock.now()
    token = hs_token(hs_site, iat=int((now - timedelta(hours=2)).timestamp()),
                     exp=int((now - timedelta(minutes=5)).timestamp()))
    assert refusal(hs_site, token) == "token_expired"


def test_a_token_meant_to_live_more_than_a_day_is_refused(hs_site):
    now = clock.now()
    token = hs_token(hs_site, exp=int((now + timedelta(hours=25)).timestamp()))
    assert refusal(hs_site, token) == "token_lifetime_too_long"
    backdated = hs_token(hs_site, iat=int((now - timedelta(days=30)).timestamp()),
                         exp=int((now + timedelta(hours=25)).timestamp()))
    assert refusal(hs_site, backdated) == "token_lifetime_too_long"


def test_a_tampered_payload_is_refused(hs_site):
    header, _, signature = hs_token(hs_site, subscriber=False).split(".")
    tampered = f"{header}.{_b64(claims(hs_site, subscriber=True))}.{signature}"
    assert refusal(hs_site, tampered) == "token_invalid"


def test_a_token_signed_with_another_secret_is_refused(hs_site):
    token = jwt.encode(claims(hs_site), "not-the-gazettes-secret-not-at-all-0123", "HS256")
    assert refusal(hs_site, token) == "token_invalid"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x", "eyJ.eyJ.sig"])
def test_a_malformed_token_is_refused(hs_site, garbage):
    assert refusal(hs_site, garbage) in ("token_invalid", "token_algorithm_not_allowed")


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "aud", "name", "subscriber"])
def test_a_token_without_a_required_claim_is_refused(hs_site, missing):
    code = refusal(hs_site, hs_token(hs_site, **{missing: ...}))
    assert code in ("token_invalid", "token_wrong_audience")


@pytest.mark.parametrize("subscriber", ["true", 1, None])
def test_subscriber_must_be_a_boolean(hs_site, subscriber):
    assert refusal(hs_site, hs_token(hs_site, subscriber=subscriber)) == "token_invalid"


def test_a_site_without_tokens_configured_refuses_them(db):
    site = SiteFactory(slug="plain")
    assert refusal(site, hs_token(site)) == "sso_not_configured"


def test_nothing_is_written_for_a_refused_token(hs_site):
    refusal(hs_site, hs_token(hs_site, aud="echo"))
    assert not ExternalIdentity.objects.exists()


# --- what the token decides --------------------------------------------------------------------

@pytest.fixture
def gazette_rules(hs_site):
    from tests.discussion.factories import ArticleFactory, RulesVersionFactory

    RulesVersionFactory(site=hs_site, number=1)
    return ArticleFactory(site=hs_site)


def test_a_non_subscriber_token_may_report_but_not_comment(hs_site, gazette_rules):
    article = gazette_rules
    author = verify_subscriber_token(site=hs_site, token=hs_token(hs_site, sub="author"),
                                     now=clock.now())
    services.accept_rules(site=hs_site, user=author)
    comment = services.post_comment(site=hs_site, article=article, author=author,
                                    text="A subscriber's view.")
    reader = verify_subscriber_token(
        site=hs_site, token=hs_token(hs_site, sub="reader", subscriber=False), now=clock.now()
    )

    assert Subscription.objects.get(site=hs_site, user=reader).status == "lapsed"
    with pytest.raises(NotASubscriber):
        services.post_comment(site=hs_site, article=article, author=reader, text="Me too")
    outcome = services.report_comment(site=hs_site, comment_id=comment.pk, reporter=reader,
                                      reason="abusive")
    assert outcome.reported


def test_a_lapsed_token_removes_the_right_to_comment_at_once(hs_site, gazette_rules):
    article = gazette_rules
    user = verify_subscriber_token(site=hs_site, token=hs_token(hs_site), now=clock.now())
    services.accept_rules(site=hs_site, user=user)
    services.post_comment(site=hs_site, article=article, author=user, text="First.")

    verify_subscriber_token(site=hs_site, token=hs_token(hs_site, subscriber=False),
                            now=clock.now())
    with pytest.raises(NotASubscriber):
        services.post_comment(site=hs_site, article=article, author=user, text="Second.")

    verify_subscriber_token(site=hs_site, token=hs_token(hs_site), now=clock.now())
    services.post_comment(site=hs_site, article=article, author=user, text="Renewed.")


def test_the_readme_python_example_makes_a_token_we_accept(db):
    """The README's snippet is what publishers copy: it must keep working."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Signed subscriber tokens", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    namespace["SECRET"] = SECRET
    site = SiteFactory(slug="demo", sso_algorithm="HS256", sso_secret=SECRET)

    token = namespace["subscriber_token"]("1001", "Pat", "pat@example.org", True)
    user = verify_subscriber_token(site=site, token=token, now=clock.now())
    assert is_subscriber(site=site, user=user, now=clock.now())
