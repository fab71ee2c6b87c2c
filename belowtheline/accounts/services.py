from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from belowtheline.accounts.errors import AccountError
from belowtheline.accounts.models import Notification, User
from belowtheline.sites.models import Site


def sign_up(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create a reader account. Subscriptions come from the publisher, not from signing up."""
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError("username_taken", "That username is already taken.", field="username")
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise AccountError("password_weak", " ".join(exc.messages), field="password") from None
    with transaction.atomic():
        return User.objects.create_user(
            username=username,
            email=email,
            password=password,
            display_name=display_name.strip() or username,
        )


def mark_notifications_read(*, site: Site, user: User, now: datetime) -> int:
    """The reader has seen their list: what was new is new no longer."""
    with transaction.atomic():
        return Notification.objects.filter(site=site, user=user, read_at__isnull=True).update(
            read_at=now
        )
