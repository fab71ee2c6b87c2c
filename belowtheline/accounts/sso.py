"""Signed subscriber tokens: a publisher's own subscription system vouching for its reader.

The publisher signs a short-lived JWT for its signed-in reader; we verify it strictly and
let it decide, every time, whether that reader may comment. Strictness is the point: the
token is the only proof of identity such a reader has here (no password, no session), so
anything we cannot verify exactly as configured is refused with 401 and a stable code,
never half-accepted.

Verification follows RFC 8725's advice: the one algorithm configured for the site is the
only one accepted (the token's own `alg` header chooses nothing), the key type matches it,
and the audience is the site's slug, so a token minted for one publication is worthless
on another.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils.dateparse import parse_datetime

from belowtheline import rows
from belowtheline.accounts.errors import TokenRefused
from belowtheline.accounts.hooks import public_name_changed
from belowtheline.accounts.models import ErasedIdentity, ExternalIdentity, Subscription, User
from belowtheline.accounts.selectors import remember_subscription
from belowtheline.sites.models import Site
from belowtheline.text import clean_name

LEEWAY = timedelta(seconds=60)
# A token is a bearer credential: the shorter it lives, the less a leaked one is worth.
# Publishers mint a fresh one per page view, so a day is generous.
MAX_LIFETIME = timedelta(hours=24)
# How often a reader's `last_seen_at` is written: every request would be a write per read.
# It tells admins whether an identity is still in use, for which a quarter of an hour is fine.
SEEN_RESOLUTION = timedelta(minutes=15)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "aud"]
MAX_SUBJECT_LENGTH = 255
DISPLAY_NAME_LENGTH = User._meta.get_field("display_name").max_length or 60
USERNAME_LENGTH = User._meta.get_field("username").max_length or 150

TOKEN_CODES = [
    "token_invalid",
    "token_expired",
    "token_wrong_audience",
    "token_wrong_issuer",
    "token_algorithm_not_allowed",
    "token_lifetime_too_long",
    "sso_not_configured",
    "token_too_large",
    "token_revoked",
]
# A reader's token carries a handful of short claims (well under 1 KB signed); anything
# past this is refused before it is decoded, so no one can make us parse megabytes per
# request. Documented in the README's token section.
MAX_TOKEN_LENGTH = 4096


def _check_size(token: str) -> None:
    if len(token) > MAX_TOKEN_LENGTH:
        raise _refuse("token_too_large", f"The subscriber token is {len(token):,} characters; "
                      f"at most {MAX_TOKEN_LENGTH:,} are accepted.")


def _refuse(code: str, message: str) -> TokenRefused:
    return TokenRefused(code, message)


def unverified_audience(token: str) -> str:
    """The site a token says it is for, read before verification only to pick the key.

    Nothing else in it is trusted until `verify_subscriber_token` has checked the
    signature with that site's key and confirmed the same audience.
    """
    _check_size(token)
    # Read by hand rather than with PyJWT's unverified decode, which costs more than half
    # a millisecond of option merging on every request that carries a token.
    parts = token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError
        payload = parts[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if not isinstance(claims, dict):
            raise ValueError
    except (ValueError, binascii.Error):  # JSONDecodeError and UnicodeDecodeError included
        raise _refuse("token_invalid", "The subscriber token is malformed.") from None
    audience = claims.get("aud")
    if not isinstance(audience, str) or not audience:
        raise _refuse("token_wrong_audience", "The subscriber token names no site (`aud`).")
    return audience


def _verification_key(site: Site) -> Any:
    """The key for the site's one algorithm, of the type that algorithm needs."""
    algorithm = site.sso_algorithm
    if algorithm == Site.SsoAlgorithm.HS256:
        if not site.sso_secret:
            raise _refuse("sso_not_configured", "This site has no subscriber-token secret.")
        return site.sso_secret
    if algorithm in (Site.SsoAlgorithm.RS256, Site.SsoAlgorithm.EDDSA):
        key = site.sso_public_key_object()
        if key is None:
            raise _refuse(
                "sso_not_configured",
                f"This site's subscriber-token public key is not a valid {algorithm} key.",
            )
        return key
    raise _refuse("sso_not_configured", "This site does not accept subscriber tokens.")


def _timestamp(claims: dict[str, Any], name: str) -> datetime:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse("token_invalid", f"The token's `{name}` must be a number of seconds.")
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise _refuse("token_invalid", f"The token's `{name}` is out of range.") from None


def _check_times(claims: dict[str, Any], now: datetime) -> None:
    """Expiry, issue time and lifetime, against our clock with a minute's leeway.

    Done here rather than by PyJWT so that they use the `now` we are given (the one clock
    the rest of the request uses). A token meant to live longer than a day is refused even
    while it is fresh: its signer is not following the contract, and a leak would last.
    """
    expires = _timestamp(claims, "exp")
    issued = _timestamp(claims, "iat")
    if expires <= now - LEEWAY:
        raise _refuse("token_expired", "The subscriber token has expired: sign in again.")
    if issued > now + LEEWAY:
        raise _refuse("token_invalid", "The subscriber token was issued in the future.")
    if "nbf" in claims and _timestamp(claims, "nbf") > now + LEEWAY:
        raise _refuse("token_invalid", "The subscriber token is not valid yet.")
    if expires - issued > MAX_LIFETIME or expires - now > MAX_LIFETIME + LEEWAY:
        raise _refuse(
            "token_lifetime_too_long",
            "Subscriber tokens may live at most 24 hours (`exp` − `iat`).",
        )


def _claims(*, site: Site, token: str, now: datetime) -> dict[str, Any]:
    """The verified claims, or a refusal naming what was wrong."""
    _check_size(token)
    if not site.sso_algorithm:
        raise _refuse("sso_not_configured", "This site does not accept subscriber tokens.")
    # The header is read once, by the decoding itself: a token signed with another
    # algorithm (`none` included) is refused there as InvalidAlgorithmError.
    key = _verification_key(site)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[site.sso_algorithm],
            audience=site.slug,
            issuer=site.sso_issuer or None,
            leeway=LEEWAY,
            options={
                "require": REQUIRED_CLAIMS,
                "strict_aud": True,
                "verify_iss": bool(site.sso_issuer),
                # Times are checked in `_check_times`, against the given `now`.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidAlgorithmError:
        raise _refuse(
            "token_algorithm_not_allowed",
            f"This site accepts subscriber tokens signed with {site.sso_algorithm} only.",
        ) from None
    except jwt.InvalidKeyError:
        # E.g. a PEM public key pasted as an HS256 secret: exactly the confusion attack's
        # precondition, so it is a configuration fault, not a reader's.
        raise _refuse(
            "sso_not_configured", "This site's subscriber-token key is not usable."
        ) from None
    except jwt.InvalidAudienceError:
        raise _refuse(
            "token_wrong_audience", f"The subscriber token is not for {site.slug!r}."
        ) from None
    except jwt.InvalidIssuerError:
        raise _refuse(
            "token_wrong_issuer", "The subscriber token was not issued by this site's signer."
        ) from None
    except jwt.MissingRequiredClaimError as exc:
        raise _refuse("token_invalid", f"The subscriber token has no `{exc.claim}`.") from None
    except jwt.InvalidSignatureError:
        raise _refuse("token_invalid", "The subscriber token's signature is wrong.") from None
    except jwt.PyJWTError:
        raise _refuse("token_invalid", "The subscriber token is not valid.") from None
    _check_times(claims, now)
    return claims


def _profile(claims: dict[str, Any]) -> tuple[str, str, str, bool]:
    """`sub`, `name`, `email` and `subscriber`, checked for type and size."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.strip() or len(subject) > MAX_SUBJECT_LENGTH:
        raise _refuse("token_invalid", "The token's `sub` must be a non-empty string.")
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _refuse("token_invalid", "The token must carry the reader's `name`.")
    name = clean_name(name, DISPLAY_NAME_LENGTH)
    if not name:
        raise _refuse("token_invalid", "The token's `name` has no visible characters, or "
                      "characters that are not valid text.")
    email = claims.get("email") or ""
    if not isinstance(email, str):
        raise _refuse("token_invalid", "The token's `email` must be a string.")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _refuse("token_invalid", "The token's `email` is not an address.") from None
    subscriber = claims.get("subscriber")
    if not isinstance(subscriber, bool):
        raise _refuse("token_invalid", "The token must say `subscriber`: true or false.")
    return subject, name, email, subscriber


def subject_digest(site: Site, subject: str) -> str:
    """An erased reader's `sub`, kept only as this digest, for a day (`ErasedIdentity`)."""
    return hashlib.sha256(f"{site.pk}:{subject}".encode()).hexdigest()


def _check_not_erased(site: Site, subject: str, claims: dict[str, Any]) -> None:
    """A token signed before its reader deleted their account is refused: deletion stops
    tokens at once. One signed afterwards starts a new, unlinked commenter. Asked only on
    the path that would create a reader, so an ordinary request costs nothing."""
    issued = _timestamp(claims, "iat")
    if ErasedIdentity.objects.filter(site=site, subject_digest=subject_digest(site, subject),
                                     erased_at__gte=issued).exists():
        raise _refuse("token_revoked", "This reader deleted their account after the token "
                      "was signed: sign in again for a new one.")


def _username(site: Site, subject: str) -> str:
    """Private and unique: `gazette:12345`, or a hash of the subject when that is too long
    or already taken (usernames of people who signed up cannot contain `:`)."""
    plain = f"{site.slug}:{subject}"
    if len(plain) <= USERNAME_LENGTH and not User.objects.filter(username=plain).exists():
        return plain
    digest = hashlib.sha256(f"{site.pk}:{subject}".encode()).hexdigest()
    return f"{site.slug}:#{digest}"[:USERNAME_LENGTH]


@dataclass(frozen=True)
class KnownReader:
    """A reader's identity on one site, their account, and their subscription there."""

    user: User
    identity_id: int
    last_seen_at: datetime
    subscription_status: str | None
    subscription_expires_at: datetime | None


# Looks up the reader a verified token names: `known_reader`, or a query that reads
# more of theirs in the same round trip (the per-reader request's, in discussion).
FindReader = Callable[[Site, str], "KnownReader | None"]


def _db_datetime(value: object) -> datetime | None:
    """A timestamp read by raw SQL, which Django's converters do not see: aware from
    PostgreSQL, naive UTC from SQLite (parsed by its column type, or text)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@lru_cache(maxsize=4)
def known_reader_sql(lead: str = "") -> str:
    """The reader's identity, user and subscription on a site, as one row: `lead` (extra
    leading columns, for a query that adds rows of its own), then the four columns
    `known_reader_from_row` reads, then the user's own (`rows.columns`). Parameters:
    `known_reader_params`."""
    quote = connection.ops.quote_name
    users, identities, subscriptions = (
        quote(model._meta.db_table) for model in (User, ExternalIdentity, Subscription)
    )
    return (
        f"SELECT {lead}e.id, e.last_seen_at, s.status, s.expires_at, {rows.columns(User, 'u')} "
        f"FROM {users} u JOIN {identities} e ON e.user_id = u.id "
        f"LEFT JOIN {subscriptions} s ON s.user_id = u.id AND s.site_id = %s "
        f"WHERE e.site_id = %s AND e.subject = %s"
    )


def known_reader_params(site: Site, subject: str) -> list[object]:
    return [site.pk, site.pk, subject]


KNOWN_READER_WIDTH = 4  # columns before the user's own


def known_reader_from_row(row: Sequence[Any]) -> KnownReader:
    """The reader from a row of `known_reader_sql` (without its `lead` columns)."""
    last_seen = _db_datetime(row[1])
    assert last_seen is not None
    return KnownReader(
        user=rows.from_row(User, row[KNOWN_READER_WIDTH:]),
        identity_id=row[0],
        last_seen_at=last_seen,
        subscription_status=row[2],
        subscription_expires_at=_db_datetime(row[3]),
    )


def known_reader(site: Site, subject: str) -> KnownReader | None:
    """The reader's identity, user and subscription on this site, in one query.

    Written in SQL because it runs on every request a token makes: the same query built
    by the ORM (a join and two subqueries) cost 1.5 ms of Python to compile for a tenth
    of a millisecond in the database, and `raw()` a quarter of a millisecond more to map
    the row. One connection vendor per process (the default database), hence one SQL
    string.
    """
    found = rows.fetch(known_reader_sql(), known_reader_params(site, subject))
    return known_reader_from_row(found[0]) if found else None


def _new_reader(
    *, site: Site, subject: str, name: str, email: str, status: str, now: datetime
) -> User | None:
    """Create the reader on their first token; None if a parallel request created them."""
    try:
        with transaction.atomic():  # a savepoint too: the same reader's first two requests
            user = User(username=_username(site, subject), display_name=name, email=email)
            user.set_unusable_password()
            user.save()
            ExternalIdentity.objects.create(
                site=site, subject=subject, user=user, created_at=now, last_seen_at=now
            )
            Subscription.objects.create(site=site, user=user, status=status)
            return user
    except IntegrityError:
        return None


def _set_subscription(*, site: Site, user: User, status: str) -> None:
    """The token is the publisher's word on the subscription, today: it wins every time,
    so a reader whose subscription lapsed loses the right to comment on their next request.
    """
    updated = Subscription.objects.filter(site=site, user=user).update(
        status=status, expires_at=None
    )
    if not updated:
        Subscription.objects.get_or_create(site=site, user=user, defaults={"status": status})


def verify_subscriber_token(
    *, site: Site, token: str, now: datetime, find_reader: FindReader | None = None
) -> User:
    """The reader the publisher vouches for, created or brought up to date from the token.

    A reader sends a token with every request, so this runs on every read: it writes only
    when the token changes something (name, email, subscription), and otherwise at most a
    coarse `last_seen_at` once per SEEN_RESOLUTION, as one autocommitted UPDATE outside any
    transaction. A read therefore never queues for SQLite's single write lock behind the
    people who are posting.

    `find_reader(site, subject)`: how to look up the reader once the token is verified
    (`known_reader` unless given), for a caller that reads more of theirs in the same
    query.

    Raises `TokenRefused` (401) with one of `TOKEN_CODES`.
    """
    find = find_reader or known_reader
    claims = _claims(site=site, token=token, now=now)
    subject, name, email, subscriber = _profile(claims)
    status = Subscription.Status.ACTIVE if subscriber else Subscription.Status.LAPSED
    known = find(site, subject)
    if known is None:
        _check_not_erased(site, subject, claims)
        user = _new_reader(site=site, subject=subject, name=name, email=email, status=status,
                           now=now)
        if user is not None:
            # Just written from the token: whether they may comment costs no query.
            remember_subscription(user, site=site, status=status, expires_at=None)
            return user
        known = find(site, subject)
        assert known is not None  # the parallel request that won created it
    user = known.user
    profile_changed = user.display_name != name or user.email != email
    subscription_changed = (
        known.subscription_status != status or known.subscription_expires_at is not None
    )
    if profile_changed or subscription_changed:
        with transaction.atomic():
            if profile_changed:
                renamed = user.display_name != name
                user.display_name, user.email = name, email
                user.save(update_fields=["display_name", "email"])
                if renamed:  # cached threads print the old name
                    public_name_changed(site=site, user=user)
            if subscription_changed:
                _set_subscription(site=site, user=user, status=status)
            ExternalIdentity.objects.filter(pk=known.identity_id, site=site).update(
                last_seen_at=now
            )
    elif now - known.last_seen_at >= SEEN_RESOLUTION:
        ExternalIdentity.objects.filter(
            pk=known.identity_id, site=site, last_seen_at__lt=now - SEEN_RESOLUTION
        ).update(last_seen_at=now)
    # The row now says exactly what the token does (read so, or just written so).
    remember_subscription(user, site=site, status=status, expires_at=None)
    return user
