from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from belowtheline.accounts.models import Subscription, User
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
