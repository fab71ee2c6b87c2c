"""Publishers' server-to-server API keys: created by a site admin, shown once, kept hashed.

A key is `btlk_<prefix>_<secret>`. The prefix is stored in clear so a request's key is
found with one indexed lookup and so admins can tell keys apart; only the SHA-256 of the
whole key is kept, so a database leak gives nobody a working key. (A fast hash suffices:
the secret is 256 random bits, not a password anyone could guess.)

Each key acts through its own integration account, `integration:<site>:<name>`, an editor
of its site: the moderation services then permit and audit what it does exactly as they
would a person, under a name that says which integration did it.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from belowtheline.accounts.errors import AccountError, ApiKeyNotFound, ApiKeyRefused, NotAnAdmin
from belowtheline.accounts.models import ApiKey, StaffRole, User
from belowtheline.accounts.selectors import is_site_admin
from belowtheline.sites.models import Site

KEY_MARK = "btlk_"
PREFIX_LENGTH = 8
# last_used_at is for admins deciding whether a key is still in use: a minute is precise
# enough, and spares a write on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)
MAX_NAME_LENGTH = ApiKey._meta.get_field("name").max_length or 60


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def integration_username(site: Site, name: str) -> str:
    return f"integration:{site.slug}:{name}"


def is_integration_account(user: object) -> bool:
    """Whether `user` is an API key's account. People's usernames cannot hold ':' (Django's
    username validator), so the name alone tells, without a query."""
    return str(getattr(user, "username", "")).startswith("integration:")


def check_can_manage_keys(*, site: Site, actor: User) -> User:
    """A key can moderate the whole site: creating one is for the site's admins."""
    if is_site_admin(site=site, user=actor):
        return actor
    raise NotAnAdmin("not_an_admin", "Only this site's admins can manage API keys.")


def _new_prefix() -> str:
    # Letters and digits only: `_` and `-` from token_urlsafe would blur the separators.
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(PREFIX_LENGTH))


def create_api_key(*, site: Site, actor: User, name: str, now: datetime) -> tuple[ApiKey, str]:
    """A new key and its raw value, which is shown to the admin once and never again."""
    check_can_manage_keys(site=site, actor=actor)
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise AccountError(
            "api_key_name_invalid", f"Name the key (at most {MAX_NAME_LENGTH} characters).",
            field="name",
        )
    if ApiKey.objects.filter(site=site, name=name).exists():
        raise AccountError(
            "api_key_name_taken", "This site already has a key with that name.", field="name",
            status=409,
        )
    for _ in range(5):  # a prefix collision is one in 36⁸; retrying costs nothing
        prefix = _new_prefix()
        raw = f"{KEY_MARK}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                account = User(username=integration_username(site, name), display_name=name,
                               is_staff=False)
                account.set_unusable_password()
                account.save()
                StaffRole.objects.create(site=site, user=account, role=StaffRole.Role.EDITOR)
                key = ApiKey.objects.create(
                    site=site, name=name, prefix=prefix, key_hash=_hash(raw), account=account,
                    created_at=now, created_by=actor,
                )
        except IntegrityError:
            if ApiKey.objects.filter(site=site, name=name).exists() or User.objects.filter(
                username=integration_username(site, name)
            ).exists():
                raise AccountError(
                    "api_key_name_taken", "This site already has a key with that name.",
                    field="name", status=409,
                ) from None
            continue
        return key, raw
    raise AccountError("api_key_not_created", "Could not create a key; try again.", status=500)


def revoke_api_key(*, site: Site, actor: User, key_id: int, now: datetime) -> ApiKey:
    """The key stops working at once. Its account and role go quiet but stay, so that the
    audit trail keeps naming who did what; revoking twice is harmless."""
    check_can_manage_keys(site=site, actor=actor)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(site=site, pk=key_id).first()
        if key is None:
            raise ApiKeyNotFound("api_key_not_found", "That API key does not exist.")
        if key.revoked_at is None:
            key.revoked_at = now
            key.save(update_fields=["revoked_at"])
            StaffRole.objects.filter(site=site, user_id=key.account_id).delete()
            User.objects.filter(pk=key.account_id).update(is_active=False)
    return key


def _looks_like_key(raw: str) -> tuple[str, str] | None:
    if not raw.startswith(KEY_MARK):
        return None
    prefix, sep, secret = raw[len(KEY_MARK):].partition("_")
    if not sep or len(prefix) != PREFIX_LENGTH or not secret:
        return None
    return prefix, secret


def authenticate_api_key(raw: str, now: datetime) -> ApiKey:
    """The key a request carries, if it is ours and still valid.

    The stored hash is compared in constant time, so response timing says nothing about
    how much of a guessed key was right.
    """
    invalid = ApiKeyRefused("api_key_invalid", "The API key is not valid.")
    if _looks_like_key(raw) is None:
        raise invalid
    prefix = raw[len(KEY_MARK):].partition("_")[0]
    key = (
        ApiKey.objects.select_related("site", "account")  # cross-site: found by its own prefix
        .filter(prefix=prefix).first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, _hash(raw)):
        raise invalid
    if key.revoked_at is not None:
        raise ApiKeyRefused("api_key_revoked", "This API key has been revoked.")
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk, site=key.site).update(last_used_at=now)
        key.last_used_at = now
    return key
