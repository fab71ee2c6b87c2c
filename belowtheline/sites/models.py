"""A publication: everything readers and staff do happens inside one."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)
