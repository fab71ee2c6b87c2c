from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from belowtheline.accounts.models import Notification, StaffRole, Subscription, User
from belowtheline.sites.models import Site


def is_subscriber(*, site: Site, user: User | AnonymousUser, now: datetime) -> bool:
    """Whether `user` may comment on `site` today: an active subscription not yet expired."""
    if not user.is_authenticated:
        return False
    return Subscription.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        site=site,
        user=user,
        status=Subscription.Status.ACTIVE,
    ).exists()


def staff_role(*, site: Site, user: User | AnonymousUser) -> str | None:
    """The person's role on this site: moderator, editor or admin (superusers are admins)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return StaffRole.Role.ADMIN
    return StaffRole.objects.filter(site=site, user=user).values_list("role", flat=True).first()


def is_site_admin(*, site: Site, user: User | AnonymousUser) -> bool:
    """Site admins publish rules, export the audit trail and manage API keys."""
    return staff_role(site=site, user=user) == StaffRole.Role.ADMIN


def notifications(*, site: Site, user: User, limit: int = 100) -> list[Notification]:
    """The person's messages from this site's moderators, newest first."""
    return list(
        Notification.objects.filter(site=site, user=user).order_by("-created_at", "-pk")[:limit]
    )
