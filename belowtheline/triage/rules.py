"""The banned-words publication rule, asked by `discussion` on every post (web process:
word lists only, never a model)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from belowtheline.discussion.hooks import NewComment, Outcome, Verdict
from belowtheline.sites.config_cache import site_cached

if TYPE_CHECKING:
    from belowtheline.sites.models import Site
    from belowtheline.triage.wordlists import WordMatcher


def site_words(site: Site) -> tuple[WordMatcher, WordMatcher, str]:
    """(banned, suspect, what to do with banned words) for the site's configuration, read
    from the database once per process per configuration version."""
    from belowtheline.triage.models import SiteWord, TriageSettings
    from belowtheline.triage.wordlists import WordMatcher

    def load() -> tuple[WordMatcher, WordMatcher, str]:
        rows = list(SiteWord.objects.filter(site_id=site.pk).values_list("word", "kind"))
        setting = (TriageSettings.objects.filter(site_id=site.pk)
                   .values_list("banned_words", flat=True).first())
        return (WordMatcher.build([w for w, k in rows if k == SiteWord.Kind.BANNED]),
                WordMatcher.build([w for w, k in rows if k == SiteWord.Kind.SUSPECT]),
                setting or TriageSettings.BannedWords.REFUSE)

    return site_cached(site, "triage.words", load)


def banned_words(new: NewComment, now: datetime) -> Verdict | None:
    banned, _suspect, action = site_words(new.site)
    found = banned.find(new.text) if banned else []
    if not found:
        return None
    quoted = ", ".join(f"\u201c{w}\u201d" for w in found)
    if action == "hold":
        return Verdict(Outcome.HOLD, "banned_word",
                       "This comment is being reviewed: a moderator will check it before "
                       "it appears.")
    return Verdict(Outcome.REFUSE, "banned_word",
                   f"Your comment uses {quoted}, which this site does not allow. Please "
                   "rephrase it and post again.")
