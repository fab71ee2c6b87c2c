from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from belowtheline.accounts.models import Notification, Subscription, User
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


def notifications(*, site: Site, user: User, limit: int = 100) -> list[Notification]:
    """The person's messages from this site's moderators, newest first."""
    return list(
        Notification.objects.filter(site=site, user=user).order_by("-created_at", "-pk")[:limit]
    )
