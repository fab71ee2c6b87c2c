"""Triage's stored facts: each comment's scores, the near-duplicate index, an editor's
"active legal proceedings" mark on an article, and each site's word lists."""

from django.conf import settings
from django.db import models, transaction

from belowtheline.discussion.models import Article, Comment
from belowtheline.sites.config_cache import config_changed
from belowtheline.sites.models import Site


class CommentScore(models.Model):
    """One scorer's latest verdict on one comment. The scorer's version is kept so that a
    moderator's figures, a flag's audit line and a retrained model never mix versions."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="triage_scores")
    scorer = models.CharField(max_length=32)  # abuse, insult, offtopic, spam, legal
    version = models.CharField(max_length=80)
    score = models.FloatField(help_text="0 to 1; higher is worse.")
    explanation = models.CharField(max_length=500, blank=True)
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "scorer"],
                                    name="triage_one_score_per_scorer"),
        ]
        indexes = [models.Index(fields=["site", "scorer", "score"], name="triage_score_rank")]

    def __str__(self) -> str:
        return f"{self.scorer} {self.score:.2f} on comment {self.comment_id}"


class Fingerprint(models.Model):
    """A comment's MinHash signature (64 x 32 bits), for finding the same text posted
    again. Its 16 band keys are rows of `FingerprintBand`, so the database's index finds the
    candidates within the time window."""

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, primary_key=True,
                                   related_name="fingerprint")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="+")
    signature = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["site", "created_at"], name="triage_fingerprint_age")]

    def __str__(self) -> str:
        return f"Fingerprint of comment {self.comment_id}"


class FingerprintBand(models.Model):
    fingerprint = models.ForeignKey(Fingerprint, on_delete=models.CASCADE, related_name="bands")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    band = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["site", "band", "created_at"], name="triage_band_lookup")]

    def __str__(self) -> str:
        return f"Band {self.band} of comment {self.fingerprint_id}"


class LegalProceedings(models.Model):
    """An editor's mark: this story concerns live proceedings, and these are the people
    and cases a comment must not name (contempt of court)."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, primary_key=True,
                                   related_name="legal_proceedings")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    active = models.BooleanField(default=True, help_text="Active legal proceedings.")
    people = models.TextField(
        blank=True, help_text="People and cases the story concerns, one per line."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "legal proceedings"

    def __str__(self) -> str:
        return f"Legal proceedings on {self.article}"

    @property
    def people_list(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.people.splitlines() if line.strip())


class SiteWord(models.Model):
    """A word or phrase on a site's list. Banned: the comment is refused (or held, per the
    site's `TriageSettings`) as it is posted. Suspect: it is posted and flagged."""

    class Kind(models.TextChoices):
        BANNED = "banned", "Banned"
        SUSPECT = "suspect", "Suspect"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    word = models.CharField(max_length=100, help_text="A word or a short phrase.")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SUSPECT)

    class Meta:
        ordering = ["site", "kind", "word"]
        constraints = [models.UniqueConstraint(fields=["site", "word"],
                                               name="triage_word_once_per_site")]

    def __str__(self) -> str:
        return f"{self.word} ({self.get_kind_display().lower()})"

    # Posting reads the list from the per-process site configuration cache, keyed by
    # config_version: every change must move it.
    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)
        return deleted


class TriageSettings(models.Model):
    site = models.OneToOneField(Site, on_delete=models.CASCADE, primary_key=True,
                                related_name="triage_settings")

    class BannedWords(models.TextChoices):
        REFUSE = "refuse", "Refuse the comment, saying which word"
        HOLD = "hold", "Hold the comment for a moderator"

    banned_words = models.CharField(max_length=8, choices=BannedWords.choices,
                                    default=BannedWords.REFUSE)

    class Meta:
        verbose_name_plural = "triage settings"

    def __str__(self) -> str:
        return f"Triage settings of {self.site}"

    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)


def _share(value: float) -> None:
    """A threshold is a score: between 0 and 1."""
    from django.core.exceptions import ValidationError

    if value is not None and not 0.0 <= value <= 1.0:
        raise ValidationError("A threshold is a score from 0 to 1.")


class TriageThreshold(models.Model):
    """When one scorer's score puts a comment before a moderator (flag) or takes it out of
    view until one decides (hold), per cover. During full-time cover triage only flags:
    the desk is staffed and a person decides. A blank hold threshold: this score never
    holds. A site without a row for a scorer uses `thresholds.DEFAULTS` (its README)."""

    class Scorer(models.TextChoices):
        ABUSE = "abuse", "Abuse"
        INSULT = "insult", "Insult or profanity"
        OFFTOPIC = "offtopic", "Off-topic"
        SPAM = "spam", "Spam or duplicate"
        LEGAL = "legal", "Legal risk"
        WORDS = "words", "Suspect words"

    site_settings = models.ForeignKey(TriageSettings, on_delete=models.CASCADE,
                                      related_name="thresholds")
    scorer = models.CharField(max_length=16, choices=Scorer.choices)
    flag_full_time = models.FloatField(validators=[_share],
                                       help_text="Flag at this score during full-time cover.")
    flag_part_time = models.FloatField(validators=[_share],
                                       help_text="Flag at this score during part-time cover.")
    flag_no_cover = models.FloatField(validators=[_share],
                                      help_text="Flag at this score when there is no cover.")
    hold_part_time = models.FloatField(
        null=True, blank=True, validators=[_share],
        help_text="Hold at this score during part-time cover (blank: never holds).")
    hold_no_cover = models.FloatField(
        null=True, blank=True, validators=[_share],
        help_text="Hold at this score when there is no cover (blank: never holds).")

    class Meta:
        ordering = ["site_settings", "scorer"]
        constraints = [
            models.UniqueConstraint(fields=["site_settings", "scorer"],
                                    name="triage_threshold_once_per_scorer"),
            models.CheckConstraint(
                condition=models.Q(flag_full_time__gte=0, flag_full_time__lte=1,
                                   flag_part_time__gte=0, flag_part_time__lte=1,
                                   flag_no_cover__gte=0, flag_no_cover__lte=1),
                name="triage_flag_threshold_is_a_score"),
            models.CheckConstraint(
                condition=(models.Q(hold_part_time__isnull=True)
                           | models.Q(hold_part_time__gte=models.F("flag_part_time"),
                                      hold_part_time__lte=1))
                & (models.Q(hold_no_cover__isnull=True)
                   | models.Q(hold_no_cover__gte=models.F("flag_no_cover"),
                              hold_no_cover__lte=1)),
                name="triage_hold_threshold_at_least_flag"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scorer_display()} thresholds"

    # The worker reads a site's thresholds once per configuration version.
    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_settings_id)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_settings_id)
        return deleted

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        for cover in ("part_time", "no_cover"):
            flag, hold = getattr(self, f"flag_{cover}"), getattr(self, f"hold_{cover}")
            if hold is not None and flag is not None and hold < flag:
                errors[f"hold_{cover}"] = ("The hold threshold cannot be below the flag "
                                           "threshold: a held comment is a flagged one.")
        if errors:
            raise ValidationError(errors)


class TriageFlag(models.Model):
    """Triage put this comment before a moderator: flagged (it waits in the Flagged tab)
    or held (out of view, in the Held tab). The moderator's decision on it is the
    feedback: upheld (removed, amended, rejected) or dismissed (approved, released, its
    reports dismissed). One open flag a comment; decided ones are kept for the figures
    and for `btl triage train`."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Waiting for a moderator"
        UPHELD = "upheld", "Upheld"
        DISMISSED = "dismissed", "Dismissed"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="triage_flags")
    held = models.BooleanField(default=False, help_text="Held out of view by triage.")
    cover = models.CharField(max_length=16, help_text="The cover in force when flagged.")
    # In thousandths: the highest score over its flag threshold, legal risk first (+1000).
    priority = models.PositiveIntegerField(default=0)
    scorers = models.CharField(max_length=100, help_text="The scores over their thresholds.")
    score = models.FloatField(help_text="The highest of them.")
    version = models.CharField(max_length=80, help_text="Its scorer's version.")
    flagged_at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.OPEN)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=20, blank=True,
                                help_text="The moderator's action (audit trail's word).")
    # What this flag adds to the comment's open-report figures while it has open reports
    # (thousandths of a point), so the Reported tab's priority includes the scores.
    report_bonus = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment"], condition=models.Q(outcome="open"),
                                    name="triage_one_open_flag"),
            models.CheckConstraint(condition=models.Q(outcome__in=["open", "upheld",
                                                                   "dismissed"]),
                                   name="triage_flag_outcome_valid"),
            models.CheckConstraint(condition=models.Q(cover__in=["full_time", "part_time",
                                                                 "none"]),
                                   name="triage_flag_cover_valid"),
        ]
        indexes = [
            # The Flagged tab: open flags by priority, walked from the top a page at a time.
            models.Index(fields=["site", "-priority", "-comment"], name="triage_flag_queue",
                         condition=models.Q(outcome="open", held=False)),
            models.Index(fields=["site", "flagged_at"], name="triage_flag_figures"),
            models.Index(fields=["site", "outcome", "decided_at"], name="triage_flag_decided"),
        ]

    def __str__(self) -> str:
        return f"{'Hold' if self.held else 'Flag'} of comment {self.comment_id} ({self.scorers})"


class SiteAbuseHead(models.Model):
    """The abuse head retrained on one site's moderators' decisions (`btl triage train`),
    with how it did on decisions it was not trained on. The site's comments are scored
    with it only if it did better there than the shipped head (`in_use`)."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    arrays = models.BinaryField(help_text="The head's arrays (numpy .npz).")
    version = models.CharField(max_length=80)
    trained_at = models.DateTimeField()
    decisions = models.PositiveIntegerField(help_text="Decisions it was trained on.")
    held_out = models.PositiveIntegerField(help_text="Later decisions it was measured on.")
    auc_before = models.FloatField(help_text="ROC-AUC of the shipped head on them.")
    auc_after = models.FloatField(help_text="ROC-AUC of this head on them.")
    in_use = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Abuse head of {self.site} ({self.version})"

    # The worker reads a site's head once per configuration version.
    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            config_changed(site_id=self.site_id)
