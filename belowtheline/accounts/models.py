"""People: readers, subscribers and staff, and the subscriptions that let them comment."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from belowtheline.sites.models import Site


class User(AbstractUser):
    """An account. `display_name` is what the thread shows; the username stays private."""

    display_name = models.CharField(max_length=60, blank=True)
    # Set when a reader signs up or changes their address, cleared when they follow the
    # link we mail them: until then they may read but not comment or report, so that a
    # throwaway address cannot buy a voice in the thread. Accounts made any other way
    # (staff in the admin, a publisher's token vouching for its reader) never need it.
    email_pending_verification = models.BooleanField(default=False)
    # When the person deleted their account (or an admin did, at their request): the row
    # stays, under a pseudonym, because the moderation record and any comments kept
    # under the site's policy still point at it (accounts/data_rights.py).
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    def __str__(self) -> str:
        return self.public_name


class Subscription(models.Model):
    """A reader's subscription to one publication, kept by standalone installs.

    Publishers with their own subscription system vouch for subscribers with signed tokens
    instead (a later issue); this model is what an install without one manages in admin.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        LAPSED = "lapsed", "Lapsed"
        CANCELLED = "cancelled", "Cancelled"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="subscriptions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Leave empty for a subscription with no end date."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "user"], name="one_subscription_per_site"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "lapsed", "cancelled"]),
                name="subscription_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.site} ({self.status})"


class StaffRole(models.Model):
    """A person's job on one publication. Moderation (next issue) checks these per site."""

    class Role(models.TextChoices):
        MODERATOR = "moderator", "Moderator"
        EDITOR = "editor", "Editor"
        ADMIN = "admin", "Site admin"

    class Cover(models.TextChoices):
        FULL_TIME = "full_time", "Full-time"
        PART_TIME = "part_time", "Part-time"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="staff_roles")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(max_length=16, choices=Role.choices)
    cover = models.CharField(max_length=16, choices=Cover.choices, default=Cover.FULL_TIME)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "user"], name="one_staff_role_per_site"),
            models.CheckConstraint(
                condition=Q(role__in=["moderator", "editor", "admin"]), name="staff_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(cover__in=["full_time", "part_time"]), name="staff_cover_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.site}"


class Notification(models.Model):
    """A message to a reader about their comments or reports, listed on their profile.

    Moderation writes them (your comment was removed, your report was upheld); they never
    name the moderator.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    message = models.TextField()
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["site", "user", "created_at"])]

    def __str__(self) -> str:
        return f"To {self.user}: {self.message[:40]}"


class ExternalIdentity(models.Model):
    """A reader of a publisher's own subscription system, known to us by (site, `sub`).

    Created on the first valid token; the token decides subscriber status every time.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=255, help_text="The token's `sub`.")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="external_identity")
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "subject"], name="one_identity_per_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.site.slug}:{self.subject}"


class ApiKey(models.Model):
    """A publisher's server-to-server key. Shown once; only its hash is kept.

    Each key acts through its own integration account (a `StaffRole` editor on its site),
    so that what it does is permitted and audited exactly as a person's would be.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=60)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    account = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_key")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="api_key_name_unique_per_site"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) on {self.site}"


class ErasedIdentity(models.Model):
    """A publisher's `sub` whose reader deleted their account here, kept as a digest for
    a day: a token signed before the deletion is refused rather than quietly starting a
    new commenter, while a token signed afterwards starts a new, unlinked one. After a
    day no earlier token can still be valid (`sso.MAX_LIFETIME`), and the row is purged.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    subject_digest = models.CharField(max_length=64)
    erased_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "subject_digest"],
                                    name="one_erasure_per_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}: erased {self.erased_at:%Y-%m-%d %H:%M}"


class DataRightsRecordIsAppendOnly(Exception):
    """Raised on any attempt to change or delete a data-rights record."""


class DataRightsQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise DataRightsRecordIsAppendOnly("Data-rights records cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise DataRightsRecordIsAppendOnly("Data-rights records cannot be deleted.")


class DataRightsRecord(models.Model):
    """Each time a reader's data was handed out or their account deleted, by whom.

    Append-only, like the moderation audit trail: the publisher must be able to show that
    it answered a request (UK GDPR arts. 15, 17, 20), and that an admin acting for a reader
    did so on the record. The person is referenced through their account row, which an
    erasure pseudonymises, so these records never keep a deleted reader's name.
    """

    class Kind(models.TextChoices):
        DOWNLOAD = "download", "Data downloaded"
        ERASURE = "erasure", "Account deleted"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    # The admin's username when an admin acted on the reader's request; "the reader" when
    # they acted themselves (their own name would be erased with them).
    actor_name = models.CharField(max_length=150)
    on_request = models.BooleanField(
        default=False, help_text="Done by an admin on the reader's request."
    )
    note = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField()

    objects = DataRightsQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["site", "person", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["download", "erasure"]),
                                   name="data_rights_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_kind_display()} ({self.actor_name})"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise DataRightsRecordIsAppendOnly("Data-rights records cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise DataRightsRecordIsAppendOnly("Data-rights records cannot be deleted.")
