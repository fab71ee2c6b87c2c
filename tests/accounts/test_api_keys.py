"""API keys: made by a site's admins, shown once, kept hashed, revocable."""

import hashlib
from datetime import timedelta

import pytest
from django.test import Client

from belowtheline import clock
from belowtheline.accounts.api_keys import (
    authenticate_api_key,
    create_api_key,
    revoke_api_key,
)
from belowtheline.accounts.errors import AccountError, ApiKeyRefused, NotAnAdmin
from belowtheline.accounts.models import ApiKey, StaffRole, User
from tests.accounts.factories import UserFactory


def test_a_site_admin_creates_a_key_shown_once_and_stored_hashed(site, site_admin):
    key, raw = create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())

    assert raw.startswith(f"btlk_{key.prefix}_")
    assert len(raw) > 40
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {key.key_hash, key.prefix, key.name}
    assert key.created_by == site_admin
    assert key.account.username == "integration:gazette:cms"
    assert not key.account.has_usable_password()
    assert not key.account.is_staff
    assert StaffRole.objects.get(site=site, user=key.account).role == "editor"


def test_each_key_has_its_own_prefix_and_account(site, site_admin):
    first, _ = create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())
    second, _ = create_api_key(site=site, actor=site_admin, name="app", now=clock.now())
    assert first.prefix != second.prefix
    assert first.account_id != second.account_id


@pytest.mark.parametrize("role", ["moderator", "editor"])
def test_only_admins_create_keys(site, role):
    from tests.conftest import make_staff

    staff = make_staff(site, role, f"staff_{role}")
    with pytest.raises(NotAnAdmin):
        create_api_key(site=site, actor=staff, name="cms", now=clock.now())
    assert not ApiKey.objects.exists()


def test_an_admin_of_another_site_cannot_create_keys_here(site, other_site):
    from tests.conftest import make_staff

    stranger = make_staff(other_site, "admin", "other_admin")
    with pytest.raises(NotAnAdmin):
        create_api_key(site=site, actor=stranger, name="cms", now=clock.now())


def test_a_superuser_creates_keys_anywhere(site):
    root = UserFactory(is_superuser=True, is_staff=True)
    key, _ = create_api_key(site=site, actor=root, name="cms", now=clock.now())
    assert key.site == site


def test_a_name_is_used_once_per_site(site, site_admin):
    create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())
    with pytest.raises(AccountError) as caught:
        create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())
    assert caught.value.code == "api_key_name_taken"


def test_the_raw_key_authenticates_and_records_its_use_once_a_minute(site, site_admin):
    key, raw = create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())
    now = clock.now()

    assert authenticate_api_key(raw, now).pk == key.pk
    key.refresh_from_db()
    assert key.last_used_at == now
    authenticate_api_key(raw, now + timedelta(seconds=30))
    key.refresh_from_db()
    assert key.last_used_at == now
    authenticate_api_key(raw, now + timedelta(seconds=61))
    key.refresh_from_db()
    assert key.last_used_at == now + timedelta(seconds=61)


@pytest.mark.parametrize("mangle", [
    lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"),
    lambda raw: "btlk_zzzzzzzz_" + raw.split("_", 2)[2],
    lambda raw: "btlk_",
    lambda raw: "btlk_short",
    lambda raw: raw.replace("btlk_", "xxxx_"),
])
def test_a_wrong_key_is_invalid(site, site_admin, mangle):
    _, raw = create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())
    with pytest.raises(ApiKeyRefused) as caught:
        authenticate_api_key(mangle(raw), clock.now())
    assert (caught.value.code, caught.value.status) == ("api_key_invalid", 401)


def test_a_revoked_key_stops_working_and_its_account_loses_its_role(site, site_admin):
    key, raw = create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())
    revoke_api_key(site=site, actor=site_admin, key_id=key.pk, now=clock.now())

    with pytest.raises(ApiKeyRefused) as caught:
        authenticate_api_key(raw, clock.now())
    assert caught.value.code == "api_key_revoked"
    assert not StaffRole.objects.filter(site=site, user=key.account).exists()
    assert User.objects.filter(pk=key.account_id).exists()  # the audit trail still names it
    # Revoking twice is harmless.
    revoke_api_key(site=site, actor=site_admin, key_id=key.pk, now=clock.now())


def test_an_editor_cannot_revoke_keys(site, site_admin, editor):
    key, _ = create_api_key(site=site, actor=site_admin, name="cms", now=clock.now())
    with pytest.raises(NotAnAdmin):
        revoke_api_key(site=site, actor=editor, key_id=key.pk, now=clock.now())


def test_another_sites_key_cannot_be_revoked_through_this_site(site, other_site, site_admin):
    root = UserFactory(is_superuser=True, is_staff=True)
    theirs, _ = create_api_key(site=other_site, actor=root, name="cms", now=clock.now())
    with pytest.raises(AccountError) as caught:
        revoke_api_key(site=site, actor=site_admin, key_id=theirs.pk, now=clock.now())
    assert caught.value.code == "api_key_not_found"


# --- admin ------------------------------------------------------------------------------------

@pytest.fixture
def admin_client(db) -> Client:
    root = UserFactory(is_superuser=True, is_staff=True, username="root")
    client = Client()
    client.force_login(root)
    return client


def test_admin_creates_a_key_and_shows_it_once(admin_client, site):
    assert admin_client.get("/admin/accounts/apikey/add/").status_code == 200
    response = admin_client.post(
        "/admin/accounts/apikey/add/", {"site": site.pk, "name": "cms"}, follow=True
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(site=site, name="cms")
    shown = [str(m) for m in response.context["messages"]]
    raw = next(m for m in shown if "btlk_" in m).split("<code>")[1].split("</code>")[0]
    assert authenticate_api_key(raw, clock.now()).pk == key.pk

    listing = admin_client.get("/admin/accounts/apikey/")
    assert key.prefix in listing.content.decode()
    assert raw not in listing.content.decode()
    detail = admin_client.get(f"/admin/accounts/apikey/{key.pk}/change/")
    assert detail.status_code == 200
    assert raw not in detail.content.decode()
    assert key.prefix in detail.content.decode()


def test_admin_revoke_action(admin_client, site):
    root = User.objects.get(username="root")
    key, raw = create_api_key(site=site, actor=root, name="cms", now=clock.now())
    response = admin_client.post(
        "/admin/accounts/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_admin_lists_external_identities_read_only(admin_client, db):
    assert admin_client.get("/admin/accounts/externalidentity/").status_code == 200
    assert admin_client.get("/admin/accounts/externalidentity/add/").status_code == 403
