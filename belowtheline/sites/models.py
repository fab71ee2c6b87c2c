"""A publication: everything readers and staff do happens inside one."""

import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction

from belowtheline.sites.config_cache import config_changed

DEFAULT_SUBSCRIBER_ONLY_TEXT = (
    "Commenting is open to subscribers. Anyone can read the discussion; "
    "subscribers can join it."
)
DEFAULT_WHY_SUBSCRIBERS_TEXT = (
    "We keep commenting for subscribers because it keeps the conversation among readers "
    "who have a stake in it, and it makes every commenter accountable for what they post."
)
DEFAULT_MODERATION_NOTICE = (
    "You are personally responsible for what you post. Comments appear at once and are not "
    "checked before they are published: our moderators review them after the fact when "
    "readers report them with \"Report this comment\"."
)


def _validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/London).")


class Site(models.Model):
    """A publication served by this install. Its slug is the id publishers use (`demo`)."""

    slug = models.SlugField(
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", "Lower-case letters, digits, -.")],
        help_text="Short, permanent id used in URLs, tokens and the API.",
    )
    name = models.CharField(max_length=120)
    time_zone = models.CharField(
        max_length=64, default="Europe/London", validators=[_validate_time_zone]
    )
    subscribe_url = models.URLField(
        blank=True, help_text="Where a reader buys a subscription (the publisher's own page)."
    )
    subscriber_only_text = models.TextField(
        default=DEFAULT_SUBSCRIBER_ONLY_TEXT,
        help_text="Shown in place of the comment box to readers who are not subscribers.",
    )
    why_subscribers_text = models.TextField(
        default=DEFAULT_WHY_SUBSCRIBERS_TEXT,
        help_text='The "Why only subscribers?" page. Blank lines separate paragraphs.',
    )
    moderation_notice = models.TextField(
        default=DEFAULT_MODERATION_NOTICE,
        help_text='The "Comments & moderation" notice above every thread.',
    )
    # Out-of-hours policy: when a published comment is taken out of view automatically.
    # "Never" is left blank.
    hold_after_reports_full_time = models.PositiveIntegerField(
        null=True, blank=True, default=5,
        help_text="Open reports that hold a comment during full-time cover.",
    )
    hold_after_reports_part_time = models.PositiveIntegerField(
        null=True, blank=True, default=3,
        help_text="Open reports that hold a comment during part-time cover.",
    )
    hold_after_legal_reports_full_time = models.PositiveIntegerField(
        null=True, blank=True, default=None,
        help_text="Legal-risk reports that hold a comment during full-time cover (blank: "
        "never; a moderator is on duty and sees them first).",
    )
    hold_after_legal_reports_part_time = models.PositiveIntegerField(
        null=True, blank=True, default=1,
        help_text="Legal-risk reports that hold a comment during part-time cover.",
    )

    class WhenNoCover(models.TextChoices):
        HOLD = "hold", "Hold new comments for approval"
        CLOSE = "close", "Close commenting until cover resumes"

    when_no_cover = models.CharField(
        max_length=8, choices=WhenNoCover.choices, default=WhenNoCover.HOLD,
        help_text="What happens to new comments in hours with no moderator at all.",
    )
    no_cover_message = models.TextField(
        blank=True,
        default="Commenting is paused while no moderator is on duty. It reopens at {reopens}.",
        help_text="Shown when commenting is closed for want of cover. {reopens} is replaced "
        "with the time cover resumes.",
    )
    close_threads_after_days = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Close an article's comments this many days after publication (blank: never).",
    )
    # Readers' data (accounts/data_rights.py): what "Delete my account" does to the
    # comments, and how long the text of deleted and removed comments is kept.
    class ErasurePolicy(models.TextChoices):
        ANONYMISE = "anonymise", 'Keep the comments, shown as "Former subscriber"'
        TOMBSTONE = "tombstone", "Remove the comments, leaving a tombstone"

    erasure_policy = models.CharField(
        max_length=16, choices=ErasurePolicy.choices, default=ErasurePolicy.ANONYMISE,
        help_text="What happens to a reader's comments when they delete their account. "
        "Either way replies keep their place and the moderation record keeps a pseudonym.",
    )
    retention_days = models.PositiveIntegerField(
        default=90,
        help_text="Days the text of comments deleted by their authors or removed by "
        "moderators is kept before it is purged (a comment under an open legal-risk "
        "report is kept until the report is decided).",
    )
    # Publisher integration: where the thread may be embedded, and how the publisher's
    # subscription system vouches for its readers (signed tokens).
    allowed_origins = models.TextField(
        blank=True,
        help_text="Origins allowed to embed the thread, one per line, e.g. "
        "https://www.example-news.com",
    )

    class SsoAlgorithm(models.TextChoices):
        HS256 = "HS256", "HS256 (shared secret)"
        RS256 = "RS256", "RS256 (RSA public key)"
        EDDSA = "EdDSA", "EdDSA (Ed25519 public key)"

    sso_algorithm = models.CharField(
        max_length=8, choices=SsoAlgorithm.choices, blank=True,
        help_text="The one algorithm accepted for subscriber tokens (blank: no tokens).",
    )
    sso_secret = models.TextField(blank=True, help_text="HS256: the shared secret.")
    sso_public_key = models.TextField(blank=True, help_text="RS256 / EdDSA: the PEM public key.")
    sso_issuer = models.CharField(
        max_length=200, blank=True, help_text="If set, tokens must carry this `iss`."
    )
    # Bumped in the same transaction as any change to what the site's pages show or its
    # rules decide (settings, schedule, rules versions, sanctions). The site row is read on
    # every request, so caches keyed by it are exact on every process, with or without Redis.
    config_version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(erasure_policy__in=["anonymise", "tombstone"]),
                name="site_erasure_policy_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        """Every change to a site moves its `config_version`, whoever saves it (admin, a
        service, a loader), so no cache keyed by it can outlive the change.

        A full save writes every field but the version itself: an instance read before
        another change (a sanction, a schedule edit) must not put an older version back.
        """
        if self._state.adding or kwargs.get("force_insert"):
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            return
        if kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "config_version"
            ]
        with transaction.atomic():
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            self.config_version = config_changed(site_id=self.pk)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def clean(self) -> None:
        """A key that cannot verify tokens would only show up as readers' 401s on the night:
        refuse it where the admin types it."""
        errors: dict[str, str] = {}
        algorithm = self.sso_algorithm
        if algorithm == self.SsoAlgorithm.HS256:
            if len(self.sso_secret.encode()) < 32:
                errors["sso_secret"] = "An HS256 secret needs at least 32 bytes."
            elif "-----BEGIN" in self.sso_secret:
                errors["sso_secret"] = "That is a PEM key: choose RS256 or EdDSA for it."
        elif algorithm and self.sso_public_key_object() is None:
            errors["sso_public_key"] = f"Paste the publisher's {algorithm} public key (PEM)."
        for origin in self.origins:
            if not re.fullmatch(r"https?://[^/\s]+", origin):
                errors["allowed_origins"] = (
                    f"{origin!r} is not an origin: scheme and host only, e.g. "
                    "https://www.example-news.com"
                )
        if errors:
            raise ValidationError(errors)

    def sso_public_key_object(self) -> object | None:
        """The RS256 / EdDSA public key, loaded as a key object of the type the algorithm
        needs, or None if the PEM is not one. A key object (never the PEM string) cannot be
        mistaken for an HMAC secret, which is how the classic HS256/RS256 confusion works."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        expected = {self.SsoAlgorithm.RS256: RSAPublicKey,
                    self.SsoAlgorithm.EDDSA: Ed25519PublicKey}.get(self.sso_algorithm)
        if expected is None:
            return None
        try:
            key = load_pem_public_key(self.sso_public_key.encode())
        except (ValueError, TypeError):
            return None
        return key if isinstance(key, expected) else None

    @property
    def origins(self) -> list[str]:
        return [line.strip().rstrip("/") for line in self.allowed_origins.splitlines()
                if line.strip()]


class CoverKind(models.TextChoices):
    FULL_TIME = "full_time", "Full-time"
    PART_TIME = "part_time", "Part-time"
    NONE = "none", "No cover"


class CoverPeriod(models.Model):
    """A weekly stretch of full-time cover or of no cover, in the site's local time.

    Any time no period covers is part-time cover. Times are wall-clock times in the site's
    time zone, so "09:00" stays 9 a.m. across the clock changes.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="cover_periods")
    weekday = models.PositiveSmallIntegerField(
        choices=[(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"),
                 (4, "Friday"), (5, "Saturday"), (6, "Sunday")]
    )
    starts = models.TimeField()
    ends = models.TimeField(help_text="00:00 means midnight at the end of the day.")
    kind = models.CharField(
        max_length=16, choices=[(CoverKind.FULL_TIME.value, "Full-time"),
                                (CoverKind.NONE.value, "No cover")],
        default=CoverKind.FULL_TIME,
    )

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="cover_weekday_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["full_time", "none"]), name="cover_period_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M} {self.kind}"

    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():  # the site's schedule changed: see Site.save
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)
        return deleted

    def clean(self) -> None:
        import datetime

        if self.ends != datetime.time(0) and self.ends <= self.starts:
            raise ValidationError("A period must end after it starts (00:00 = midnight).")


class CoverException(models.Model):
    """A date whose cover differs from the week's, such as a bank holiday (part-time)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="cover_exceptions")
    date = models.DateField()
    kind = models.CharField(
        max_length=16, choices=CoverKind.choices, default=CoverKind.PART_TIME
    )
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["site", "date"], name="one_cover_exception_a_day"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["full_time", "part_time", "none"]),
                name="cover_exception_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.get_kind_display()} {self.note}".strip()

    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():  # the site's schedule changed: see Site.save
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)
        return deleted
