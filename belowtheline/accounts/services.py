from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction

from belowtheline.accounts.errors import AccountError, EmailNotConfirmed, NotSignedIn
from belowtheline.accounts.hooks import public_name_changed
from belowtheline.accounts.models import ExternalIdentity, Notification, User
from belowtheline.sites.models import Site
from belowtheline.text import clean_name, problem

# How long the link in a verification email works. Long enough for a weekend away; the
# reader can ask for a new one from their profile at any time.
VERIFICATION_MAX_AGE = timedelta(days=3)
_VERIFICATION_SALT = "btl.accounts.verify-email"
# Where the link in the email points: the view passes a function turning a token into an
# absolute address (the service does not know the host the reader used).
LinkFor = Callable[[str], str]


def sign_up(*, username: str, email: str, password: str, display_name: str = "",
            link_for: LinkFor | None = None) -> User:
    """Create a reader account. Subscriptions come from the publisher, not from signing up.

    The address must be confirmed before the reader comments or reports: with `link_for`,
    the link that does so is mailed to it once the account is committed."""
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError("username_taken", "That username is already taken.", field="username")
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise AccountError("password_weak", " ".join(exc.messages), field="password") from None
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            email=email,
            password=password,
            display_name=display_name.strip() or username,
            email_pending_verification=True,
        )
        if link_for is not None:
            send_email_verification(user=user, link_for=link_for)
        return user


def verification_token(user: User) -> str:
    """Signed (SECRET_KEY) and bound to the address: a link mailed to an old address stops
    working once the reader changes it."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=_VERIFICATION_SALT,
                         compress=True)


def send_email_verification(*, user: User, link_for: LinkFor) -> None:
    """Mail the link that confirms the address, once the transaction that set it commits
    (an account that was rolled back gets no email)."""
    link = link_for(verification_token(user))
    address, name = user.email, user.public_name

    def send() -> None:
        send_mail(
            "Confirm your email address",
            f"Hello {name},\n\nPlease confirm that this is your email address, so that you "
            f"can comment and report comments:\n\n{link}\n\nThe link works for "
            f"{VERIFICATION_MAX_AGE.days} days. If you did not create an account, you can "
            "ignore this email.\n",
            settings.DEFAULT_FROM_EMAIL,
            [address],
        )

    transaction.on_commit(send)


def confirm_email(*, token: str) -> User:
    """The reader followed the link: their address is confirmed and they may take part."""
    try:
        data = signing.loads(token, salt=_VERIFICATION_SALT,
                             max_age=VERIFICATION_MAX_AGE.total_seconds())
    except signing.SignatureExpired:
        raise AccountError("verification_link_expired", "That link has expired: ask for a "
                           "new one from your profile.") from None
    except signing.BadSignature:
        raise AccountError("verification_link_invalid", "That link is not valid.") from None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(
            pk=data.get("u"), is_active=True, erased_at__isnull=True).first()
        if user is None or user.email != data.get("e"):
            raise AccountError("verification_link_invalid",
                               "That link is for an address this account no longer has.")
        if user.email_pending_verification:
            user.email_pending_verification = False
            user.save(update_fields=["email_pending_verification"])
    return user


def check_email_confirmed(user: User | AnonymousUser) -> None:
    """A new account reports and comments once its address is confirmed. Asked by the
    discussion services; costs no query (the flag is on the account already read)."""
    if getattr(user, "email_pending_verification", False):
        from belowtheline.accounts.standing import MESSAGE  # noqa: PLC0415

        raise EmailNotConfirmed("email_not_confirmed", MESSAGE)


def change_profile(*, user: User | AnonymousUser, display_name: object, email: object,
                   link_for: LinkFor, now: datetime) -> tuple[User, bool]:
    """A standalone reader changes the name shown with their comments or their address.

    A new address must be confirmed again before they can comment or report (a link goes
    to it). A subscriber-token reader's name and address are the publisher's, sent in every
    token: changed here, the next token would change them back, so they are refused.
    Returns the account and whether a verification email went out.
    """
    if not user.is_authenticated:
        raise NotSignedIn("sign_in_required", "Please sign in first.")
    assert isinstance(user, User)
    if user.get_username().startswith("integration:"):  # an API key's (api_keys.py)
        raise AccountError("integration_account", "An API key's account is the "
                           "publisher's: rename the key in the admin.", status=403)
    if ExternalIdentity.objects.filter(user=user).exists():
        raise AccountError("profile_from_publisher", "Your name and email address come from "
                           "your subscription account with the publisher: change them there.")
    if not isinstance(display_name, str) or not isinstance(email, str):
        raise AccountError("invalid_input", "Name and email must be text.")
    refused = problem(display_name)
    if refused is not None:
        raise AccountError(refused[0], refused[1], field="display_name")
    name = clean_name(display_name, 60) or user.username
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountError("email_invalid", "Enter a valid email address.",
                           field="email") from None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        renamed = name != user.display_name
        readdressed = email.lower() != user.email.lower()
        user.display_name, user.email = name, email
        if readdressed:
            user.email_pending_verification = True
        user.save(update_fields=["display_name", "email", "email_pending_verification"])
        if renamed:
            # Cached threads print the old name: move the version of every thread they
            # wrote in, on every site (the account is one across the install).
            from belowtheline.discussion.models import Comment  # noqa: PLC0415

            site_ids = Comment.objects.filter(author=user).values_list(
                "site_id", flat=True).distinct()
            for site in Site.objects.filter(pk__in=list(site_ids)):
                public_name_changed(site=site, user=user)
        if readdressed:
            send_email_verification(user=user, link_for=link_for)
    return user, readdressed


def mark_notifications_read(*, site: Site, user: User, now: datetime) -> int:
    """The reader has seen their list: what was new is new no longer."""
    with transaction.atomic():
        return Notification.objects.filter(site=site, user=user, read_at__isnull=True).update(
            read_at=now
        )
