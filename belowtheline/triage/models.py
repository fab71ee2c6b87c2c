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
