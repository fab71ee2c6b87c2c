"""Who may take a site's export, and the record that they did."""

from __future__ import annotations

from belowtheline import clock
from belowtheline.accounts.models import User
from belowtheline.errors import BtlError
from belowtheline.portability.models import SiteTransfer
from belowtheline.sites.models import Site


class NotAllowed(BtlError):
    status = 403


def may_export(*, site: Site, user: object) -> bool:
    """The site's admins (StaffRole admin) and the install's superusers: an export holds
    every reader's email address and every moderator's decision, more than an editor's or
    a moderator's job needs."""
    from belowtheline.accounts.models import StaffRole

    if not isinstance(user, User) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return StaffRole.objects.filter(site=site, user=user, role=StaffRole.Role.ADMIN).exists()


def check_can_export(*, site: Site, actor: object) -> User:
    if not may_export(site=site, user=actor):
        raise NotAllowed("not_an_admin", "Only this site's admins can export its data.")
    assert isinstance(actor, User)
    return actor


def record_export(*, site: Site, actor: User | None, via: str, password_hashes: bool = False,
                  records: int | None = None, file_name: str = "") -> SiteTransfer:
    return SiteTransfer.objects.create(
        site=site, site_slug=site.slug, kind=SiteTransfer.Kind.EXPORT, created_at=clock.now(),
        actor=actor, actor_name=actor.username if actor else "command line", via=via,
        password_hashes=password_hashes, records=records, file_name=file_name)


def record_restore(*, site_id: int, site_slug: str, records: int, file_name: str) -> None:
    SiteTransfer.objects.create(
        site_id=site_id, site_slug=site_slug, kind=SiteTransfer.Kind.RESTORE,
        created_at=clock.now(), actor=None, actor_name="command line", via="command line",
        records=records, file_name=file_name)
