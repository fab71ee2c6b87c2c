"""The record of every export and restore of a site: who took the site's data, when, how.

An export holds every reader's email address and every removed comment's text, so taking
one is itself something the publisher must be able to account for (who downloaded the
readers' data, and when). Kept apart from the moderation audit trail, which is about
comments and authors, and append-only like it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class TransferIsAppendOnly(Exception):
    """Raised on any attempt to change or delete the record of an export or restore."""


class SiteTransferQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise TransferIsAppendOnly("The record of exports and restores cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TransferIsAppendOnly("The record of exports and restores cannot be deleted.")


class SiteTransfer(models.Model):
    class Kind(models.TextChoices):
        EXPORT = "export", "Exported"
        RESTORE = "restore", "Restored"

    # The site may be deleted later; its slug stays on the record.
    site = models.ForeignKey("btl_sites.Site", null=True, on_delete=models.SET_NULL,
                             related_name="+")
    site_slug = models.CharField(max_length=40)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, help_text="Who, or \"command line\".")
    via = models.CharField(max_length=20, help_text="admin or command line")
    password_hashes = models.BooleanField(default=False)
    records = models.PositiveBigIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=300, blank=True)

    objects = SiteTransferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["export", "restore"]),
                                   name="site_transfer_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.site_slug} by {self.actor_name}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise TransferIsAppendOnly("The record of exports and restores cannot be changed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TransferIsAppendOnly("The record of exports and restores cannot be deleted.")
