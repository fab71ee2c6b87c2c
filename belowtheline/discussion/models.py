"""The reader's side: articles, their comments, recommendations, reports and the rules.

Every row reaches its site directly (a `site` column), so that every query can be scoped
by site without a join, and a site's data can never leak through a missing filter.
"""

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q

from belowtheline.sites.config_cache import config_changed
from belowtheline.sites.models import Site


class Article(models.Model):
    class CommentMode(models.TextChoices):
        OPEN = "open", "Open"
        PREMODERATED = "premoderated", "Pre-moderated"
        CLOSED = "closed", "Closed"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="articles")
    canonical_url = models.URLField(max_length=500)
    title = models.CharField(max_length=300)
    standfirst = models.TextField(blank=True)
    body = models.TextField(
        blank=True, help_text="The article text, where we have it (demo pages, later scoring)."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    comment_mode = models.CharField(
        max_length=16, choices=CommentMode.choices, default=CommentMode.OPEN
    )
    # Published comments, kept by the services with F() updates in the same transaction as
    # the change, so the count readers see is right under concurrent posting.
    comment_count = models.PositiveIntegerField(default=0)
    # Bumped in the same transaction as every change that alters what the thread shows:
    # cached renderings of the thread are keyed by it, so a stale one is never served.
    thread_version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "canonical_url"], name="article_url_unique_per_site"
            ),
            models.CheckConstraint(
                condition=Q(comment_mode__in=["open", "premoderated", "closed"]),
                name="article_comment_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", "Published"
        # Pre-moderation: never shown to others until a moderator approves it.
        PENDING = "pending", "Awaiting approval"
        # Taken out of view after publication (reports, a moderator): a placeholder stays.
        HELD = "held", "Held for review"
        REMOVED = "removed", "Removed by a moderator"
        DELETED = "deleted", "Deleted by its author"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="comments")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    # The comment answered, and the top-level comment the conversation hangs from: replies
    # nest one level on screen, so a reply to a reply sits under the same top-level comment.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    thread_root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="thread_replies"
    )
    text = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    recommendation_count = models.PositiveIntegerField(default=0)
    # Left by a moderator's decision, for the thread to say so ("Amended by a moderator",
    # "Removed by a moderator — breaks rule 4"); the full record is the audit trail.
    amended_at = models.DateTimeField(null=True, blank=True)
    moderation_rule = models.ForeignKey(
        "Rule", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Its open reports, summed up for the moderation queue by discussion/reports.py in the
    # same transaction as every filing and closing, so the queue never counts reports.
    open_report_count = models.PositiveIntegerField(default=0)
    has_open_legal_report = models.BooleanField(default=False)
    first_open_report_at = models.DateTimeField(null=True, blank=True)
    open_report_weight = models.PositiveIntegerField(
        default=0, help_text="The open reports, each weighted by its reporter's record, "
        "in thousandths of a point."
    )
    # The queue's sort keys (see discussion/reports.py): rising while the first open report
    # is under a day old, settled after. Null with no open reports.
    queue_rising_key = models.BigIntegerField(null=True, blank=True)
    queue_settled_key = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["article", "thread_root", "created_at"]),
            models.Index(fields=["article", "thread_root", "recommendation_count"]),
            models.Index(fields=["site", "author", "created_at"]),
            # The Held tab and its count; All recent, newest first.
            models.Index(fields=["site", "status", "status_changed_at"],
                         name="comment_site_status"),
            models.Index(fields=["site", "created_at"], name="comment_site_recent"),
            # The Reported tab merges two index walks, over reported comments only
            # (partial indexes: a million quiet comments cost them nothing). Conditions
            # are IS [NOT] NULL tests, which SQLite can match without knowing parameters.
            models.Index(
                fields=["site", "has_open_legal_report", "queue_rising_key", "-id"],
                name="comment_queue_rising",
                condition=Q(first_open_report_at__isnull=False,
                            queue_settled_key__isnull=True),
            ),
            models.Index(
                fields=["site", "has_open_legal_report", "queue_settled_key",
                        "queue_rising_key", "-id"],
                name="comment_queue_settled",
                condition=Q(queue_settled_key__isnull=False),
            ),
            # The same two walks within one article (the queue's article filter): a hot
            # story's reported comments without walking the whole site's.
            models.Index(
                fields=["article", "has_open_legal_report", "queue_rising_key", "-id"],
                name="comment_queue_rising_article",
                condition=Q(first_open_report_at__isnull=False,
                            queue_settled_key__isnull=True),
            ),
            models.Index(
                fields=["article", "has_open_legal_report", "queue_settled_key",
                        "queue_rising_key", "-id"],
                name="comment_queue_settled_article",
                condition=Q(queue_settled_key__isnull=False),
            ),
            models.Index(
                fields=["site", "first_open_report_at"],
                name="comment_queue_settling",
                condition=Q(first_open_report_at__isnull=False,
                            queue_settled_key__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["published", "pending", "held", "removed", "deleted"]),
                name="comment_status_valid",
            ),
            # A reply has both a parent and a root; a top-level comment has neither.
            models.CheckConstraint(
                condition=Q(parent__isnull=True, thread_root__isnull=True)
                | Q(parent__isnull=False, thread_root__isnull=False),
                name="comment_reply_has_root",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} by {self.author} on {self.article}"

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None


class CommentEdit(models.Model):
    """The text a comment had before its author edited it.

    An author could post abuse, wait for the report, then edit it into something harmless:
    moderators need to see what readers actually read.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="edits")
    text_before = models.TextField()
    edited_at = models.DateTimeField()

    class Meta:
        ordering = ["edited_at", "pk"]

    def __str__(self) -> str:
        return f"Edit of comment #{self.comment_id} at {self.edited_at:%Y-%m-%d %H:%M}"


class Recommendation(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="recommendations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendations"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_recommendation_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} recommends comment #{self.comment_id}"


class Report(models.Model):
    """A reader's complaint that a comment breaks the rules: the moderation queue's input."""

    class Reason(models.TextChoices):
        ABUSIVE = "abusive", "Abusive or hateful"
        OFF_TOPIC = "off_topic", "Off-topic"
        SPAM = "spam", "Spam"
        LEGAL_RISK = "legal_risk", "Legal risk (e.g. defamation or contempt of court)"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld"
        DISMISSED = "dismissed", "Not upheld"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_filed"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.TextField(blank=True, max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    # What the report counts towards the comment's priority, in thousandths of a point:
    # the reporter's track record when they filed it (discussion/reports.py).
    weight = models.PositiveSmallIntegerField(default=750)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["site", "status", "created_at"]),
            # A reporter's track record, read at every filing.
            models.Index(fields=["site", "reporter", "status"], name="report_reporter_record"),
            # The open reports of a page of the queue (reasons, notes).
            models.Index(fields=["comment", "status", "site"], name="report_comment_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_reader"),
            models.CheckConstraint(
                condition=Q(reason__in=["abusive", "off_topic", "spam", "legal_risk", "other"]),
                name="report_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "upheld", "dismissed"]), name="report_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on comment #{self.comment_id}"


class Disagreement(models.Model):
    """A reader chose "I just disagree with it": not a report, never queued, only counted."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="disagreements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_disagreement_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} disagrees with comment #{self.comment_id}"


class RulesVersion(models.Model):
    """One version of a site's rules. Drafts may change; a published version never does."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="rules_versions")
    number = models.PositiveIntegerField(help_text="1, 2, 3… in order of publication.")
    preamble = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="rules_version_unique"),
        ]

    def __str__(self) -> str:
        state = "published" if self.published_at else "draft"
        return f"{self.site} rules v{self.number} ({state})"

    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():  # the rules in force may have changed: see Site.save
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)
        return deleted

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Rule(models.Model):
    """A numbered rule. Its anchor `rule-N` is what moderators cite and link to."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    rules_version = models.ForeignKey(RulesVersion, on_delete=models.CASCADE, related_name="rules")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    text = models.TextField()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["rules_version", "number"], name="rule_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="rule_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():  # the rules in force may have changed: see Site.save
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)

    def get_absolute_url(self) -> str:
        """The rule as it stood in its own version: a citation must not drift when the
        rules are revised."""
        from django.urls import reverse

        page = reverse("rules_version", args=[self.site.slug, self.rules_version.number])
        return f"{page}#{self.anchor}"

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)
        return deleted

    @property
    def anchor(self) -> str:
        return f"rule-{self.number}"


class RulesAcceptance(models.Model):
    """A subscriber's acceptance of one rules version, the record of personal responsibility."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    rules_version = models.ForeignKey(
        RulesVersion, on_delete=models.PROTECT, related_name="acceptances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rules_acceptances"
    )
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rules_version", "user"], name="accept_rules_once"),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=False), name="acceptance_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.rules_version}"


class QueueVersion(models.Model):
    """How many times a site's moderation queue has changed: every report filed and every
    moderator's decision moves it, in the same transaction (`reports.queue_changed`).

    The dashboard keeps each rendering of a queue page under the version it was made at,
    so a changed queue is a new key and no process ever shows a page older than the last
    change it can read. One row per site, made by the first change."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.site_id}: queue version {self.version}"


class PostingKey(models.Model):
    """A client's `Idempotency-Key` for one post: a retry of a post whose answer was lost
    (a dropped connection, a phone going into a tunnel) finds the comment the first try
    made instead of making a second one. Written in the post's own transaction, so a key
    never exists without its comment nor a comment without the key it came with."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)  # what was posted: article, parent, text
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "author", "key"], name="one_post_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → comment #{self.comment_id}"
