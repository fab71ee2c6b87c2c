"""The staff side: the audit trail of every moderation event, sanctions and notes.

The audit trail is append-only. Nothing in the app can change or delete an entry: the
model refuses it, its queryset refuses it, and the admin shows it read-only.
"""

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q

from belowtheline.discussion.models import Article, Comment, Rule
from belowtheline.sites.config_cache import config_changed
from belowtheline.sites.models import CoverKind, Site


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or delete what the audit trail recorded."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise AuditTrailIsAppendOnly("The audit trail cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("The audit trail cannot be deleted.")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        DISMISS = "dismiss", "Reports dismissed"
        AMEND = "amend", "Amended"
        REMOVE = "remove", "Removed"
        HOLD = "hold", "Held"
        RELEASE = "release", "Released"
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        PREMODERATE = "premoderate", "Author put on pre-moderation"
        SUSPEND = "suspend", "Author suspended"
        BAN = "ban", "Author banned"
        LIFT_SANCTION = "lift_sanction", "Sanction lifted"
        NOTE = "note", "Moderator note"
        COMMENT_MODE = "comment_mode", "Article comment mode changed"

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="audit_entries")
    created_at = models.DateTimeField()
    # A person, or nobody for the system; actor_name keeps who it was even if the account
    # is renamed, and says "system" for automatic holds.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=Action.choices)
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="audit_entries_about",
        help_text="The author the action concerns.",
    )
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    reason = models.TextField(blank=True)
    text_before = models.TextField(blank=True)
    text_after = models.TextField(blank=True)
    cover = models.CharField(max_length=16, choices=CoverKind.choices)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit trail"
        indexes = [
            models.Index(fields=["site", "created_at"]),
            models.Index(fields=["site", "comment"]),
            models.Index(fields=["site", "subject"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(cover__in=["full_time", "part_time", "none"]),
                name="audit_cover_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.get_action_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("The audit trail cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly("The audit trail cannot be deleted.")


class Sanction(models.Model):
    """A measure against an author on one site: pre-moderation, suspension or ban."""

    class Kind(models.TextChoices):
        PREMODERATION = "premoderation", "Pre-moderation"
        SUSPENSION = "suspension", "Suspension"
        BAN = "ban", "Ban"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="sanctions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Blank: until lifted.")
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["site", "user", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["premoderation", "suspension", "ban"]),
                name="sanction_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.user} on {self.site}"

    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():  # what the publish rules decide changed: see Site.save
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)
        return deleted


class ModeratorNote(models.Model):
    """What moderators want each other to know about an author. Never shown to readers."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderator_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note on {self.user} by {self.author}"
