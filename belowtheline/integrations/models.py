"""Webhooks: a publisher's endpoints, and a log of every delivery to them.

A delivery row is written before it is attempted (in the same transaction as the event),
so a worker killed mid-delivery finds it again and retries it.
"""

from django.db import models, transaction
from django.db.models import Q

from belowtheline.sites.config_cache import config_changed
from belowtheline.sites.models import Site

EVENTS = ["comment.created", "comment.amended", "comment.removed", "report.created",
          "comment.held"]


class WebhookEndpoint(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="Signs every delivery (HMAC-SHA256).")
    events = models.JSONField(default=list, help_text=f"Any of: {', '.join(EVENTS)}")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "url"]

    def __str__(self) -> str:
        return f"{self.url} ({self.site.slug})"

    # Every post asks which endpoints want its event: the answer is kept per site under
    # its config_version (sites/config_cache.py), which an endpoint's change must move.
    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)
        return deleted


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "delivered", "failed"]),
                name="webhook_delivery_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint.url} ({self.status})"


class WorkerHeartbeat(models.Model):
    """When each background worker last went round its loop: `/readyz?worker=1` and the
    desk's monitoring ask it, since a dead worker otherwise only shows as silence (webhooks
    that never arrive)."""

    worker_id = models.CharField(max_length=100, primary_key=True)
    beat_at = models.DateTimeField()
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
