"""Admin: an editor marks an article "active legal proceedings" and lists its people; a
site's banned and suspect words; scores are for looking up only (the worker writes them)."""

from django.contrib import admin

from belowtheline.admin_base import ReadOnlyAdmin
from belowtheline.triage.models import (
    CommentScore,
    LegalProceedings,
    SiteAbuseHead,
    SiteWord,
    TriageFlag,
    TriageSettings,
    TriageThreshold,
)


@admin.register(LegalProceedings)
class LegalProceedingsAdmin(admin.ModelAdmin):
    list_display = ["article", "site", "active", "updated_at"]
    list_filter = ["site", "active"]
    search_fields = ["article__title", "people"]
    raw_id_fields = ["article"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.site_id = obj.article.site_id  # always the article's own site
        super().save_model(request, obj, form, change)


@admin.register(CommentScore)
class CommentScoreAdmin(ReadOnlyAdmin):
    list_display = ["comment", "scorer", "score", "version", "explanation", "scored_at"]
    list_filter = ["site", "scorer"]


@admin.register(SiteWord)
class SiteWordAdmin(admin.ModelAdmin):
    """A site's banned and suspect words: matched whole, whatever the case, accents, l33t,
    held-down letters or dots between letters."""

    list_display = ["word", "kind", "site"]
    list_filter = ["site", "kind"]
    search_fields = ["word"]


class TriageThresholdInline(admin.TabularInline):
    """Per scorer and cover, the score at which a comment is flagged for a moderator and
    the score at which it is held out of view (part-time and no cover only: during
    full-time cover triage only flags). A scorer without a row uses the defaults in the
    README."""

    model = TriageThreshold
    extra = 0


@admin.register(TriageSettings)
class TriageSettingsAdmin(admin.ModelAdmin):
    list_display = ["site", "banned_words"]
    inlines = [TriageThresholdInline]


@admin.register(TriageFlag)
class TriageFlagAdmin(ReadOnlyAdmin):
    list_display = ["comment", "held", "scorers", "score", "cover", "outcome", "flagged_at"]
    list_filter = ["site", "held", "outcome", "cover"]


@admin.register(SiteAbuseHead)
class SiteAbuseHeadAdmin(ReadOnlyAdmin):
    """Made by `btl triage train --site S`; used for the site only if `in_use`."""

    list_display = ["site", "version", "trained_at", "decisions", "held_out", "auc_before",
                    "auc_after", "in_use"]
    exclude = ["arrays"]
