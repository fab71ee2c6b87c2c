import functools
import threading
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.signals import request_finished, request_started
from django.db import connection

from belowtheline.accounts.models import Notification, StaffRole, Subscription, User
from belowtheline.sites.models import Site

# The subscriptions that the request this thread is serving has just read or written, by
# (site, user): a subscriber token's verification leaves its answer here, so that asking
# `is_subscriber` again in the same request costs no query. Outside a request (tasks,
# shells, tests calling services) nothing is remembered, as for `sites.selectors`.
_this_request = threading.local()


def _request_started(**kwargs: object) -> None:
    _this_request.subscriptions = {}
    _this_request.staff_roles = {}


def _request_finished(**kwargs: object) -> None:
    _this_request.subscriptions = None
    _this_request.staff_roles = None


request_started.connect(_request_started, dispatch_uid="btl-accounts-request-started")
request_finished.connect(_request_finished, dispatch_uid="btl-accounts-request-finished")


def subscription_in_force(status: str, expires_at: datetime | None, now: datetime) -> bool:
    """The policy: an active subscription not yet expired."""
    return status == Subscription.Status.ACTIVE and (expires_at is None or expires_at > now)


def remember_subscription(
    user: User, *, site: Site, status: str, expires_at: datetime | None
) -> None:
    """Say that `user`'s subscription to `site` is, for the rest of this request, exactly
    this: for the code that has just read or written the row."""
    seen: dict[tuple[int, int], tuple[str, datetime | None]] | None = getattr(
        _this_request, "subscriptions", None
    )
    if seen is not None:
        seen[(site.pk, user.pk)] = (status, expires_at)


def is_subscriber(*, site: Site, user: User | AnonymousUser, now: datetime) -> bool:
    """Whether `user` may comment on `site` today: an active subscription not yet expired."""
    if not user.is_authenticated:
        return False
    seen = getattr(_this_request, "subscriptions", None)
    known = seen.get((site.pk, user.pk)) if seen is not None else None
    if known is not None:
        return subscription_in_force(known[0], known[1], now)
    row = (
        Subscription.objects.filter(site=site, user=user)
        .values_list("status", "expires_at")
        .first()
    )
    return row is not None and subscription_in_force(row[0], row[1], now)


def staff_role(*, site: Site, user: User | AnonymousUser) -> str | None:
    """The person's role on this site: moderator, editor or admin (superusers are admins)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return StaffRole.Role.ADMIN
    seen: dict[tuple[int, int], str | None] | None = getattr(_this_request, "staff_roles", None)
    if seen is not None and (site.pk, user.pk) in seen:
        return seen[(site.pk, user.pk)]
    # Asked on every dashboard request and every moderation decision: SQL written once
    # (the ORM spent half a millisecond compiling this lookup by the unique key).
    with connection.cursor() as cursor:
        cursor.execute(_staff_role_sql(), [site.pk, user.pk])
        row = cursor.fetchone()
    return row[0] if row else None


def remember_staff_role(*, site: Site, user: User, role: str | None) -> None:
    """Say that this request has just read the person's role on the site (a query that
    read it with their account, the moderation desk's): `staff_role` answers with it for
    the rest of the request. Outside a request nothing is remembered."""
    seen = getattr(_this_request, "staff_roles", None)
    if seen is not None:
        seen[(site.pk, user.pk)] = role


def staff_role_sql(site_param: str, user_column: str) -> str:
    """The role lookup as a subquery, for a query that reads it with other rows."""
    quote, meta = connection.ops.quote_name, StaffRole._meta
    column = {name: quote(meta.get_field(name).column) for name in ("role", "site", "user")}
    return (f"SELECT {column['role']} FROM {quote(meta.db_table)} "
            f"WHERE {column['site']} = {site_param} AND {column['user']} = {user_column}")


@functools.cache
def _staff_role_sql() -> str:
    return staff_role_sql("%s", "%s")


def is_site_admin(*, site: Site, user: User | AnonymousUser) -> bool:
    """Site admins publish rules, export the audit trail and manage API keys."""
    return staff_role(site=site, user=user) == StaffRole.Role.ADMIN


def notifications(*, site: Site, user: User, limit: int = 100) -> list[Notification]:
    """The person's messages from this site's moderators, newest first."""
    return list(
        Notification.objects.filter(site=site, user=user).order_by("-created_at", "-pk")[:limit]
    )
