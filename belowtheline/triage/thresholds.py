"""When a score flags a comment for a moderator or holds it out of view, per site and cover.

A site's editors set them in `/admin/` (Triage → Triage settings, one row a scorer); a
scorer with no row uses `DEFAULTS`. The defaults and why they are what they are are in the
README ("Triage scores") and `training/README.md` ("Thresholds"): in short, on Fox News
articles the abuse head never saw, 0.7 flags the top 4% of comments, 68% of them hateful
(the base rate is 29%), and no comment reached 0.95, so a hold on abuse alone is kept for
the unmistakable (ROC-AUC 0.72 does not earn more); insult 0.85 flags about the top 3%;
duplicates flag from one earlier copy by another account or in another thread (0.75) and
hold from about five copies (0.96+); legal risk flags any crime word next to a name (0.6)
and holds a guilt word about someone named on an article marked active proceedings (0.95).
"""

from __future__ import annotations

from dataclasses import dataclass

from belowtheline.sites.config_cache import site_cached
from belowtheline.sites.models import CoverKind, Site


@dataclass(frozen=True)
class Threshold:
    flag: dict[str, float]  # by cover
    hold: dict[str, float | None]  # by cover; full-time is always None (only flagged)

    def flags(self, score: float, cover: str) -> bool:
        return score >= self.flag[cover]

    def holds(self, score: float, cover: str) -> bool:
        limit = self.hold.get(cover)
        return limit is not None and score >= limit


def _threshold(flag_full: float, flag_part: float, flag_none: float,
               hold_part: float | None, hold_none: float | None) -> Threshold:
    return Threshold(
        flag={CoverKind.FULL_TIME: flag_full, CoverKind.PART_TIME: flag_part,
              CoverKind.NONE: flag_none},
        hold={CoverKind.FULL_TIME: None, CoverKind.PART_TIME: hold_part,
              CoverKind.NONE: hold_none},
    )


# (flag full-time, flag part-time, flag no cover, hold part-time, hold no cover)
DEFAULT_ROWS: dict[str, tuple[float, float, float, float | None, float | None]] = {
    "abuse": (0.7, 0.7, 0.7, 0.95, 0.95),
    "insult": (0.85, 0.85, 0.85, None, None),
    "offtopic": (0.85, 0.85, 0.85, None, None),
    "spam": (0.7, 0.7, 0.7, 0.96, 0.96),
    "legal": (0.6, 0.6, 0.6, 0.9, 0.9),
    "words": (1.0, 1.0, 1.0, None, None),
}
DEFAULTS = {name: _threshold(*row) for name, row in DEFAULT_ROWS.items()}


def site_thresholds(site: Site) -> dict[str, Threshold]:
    """Every scorer's thresholds on this site: its rows over the defaults, read once per
    process per configuration version (the rows move it)."""
    from belowtheline.triage.models import TriageThreshold

    def load() -> dict[str, Threshold]:
        found = dict(DEFAULTS)
        for row in TriageThreshold.objects.filter(site_settings_id=site.pk):  # its site
            found[row.scorer] = _threshold(row.flag_full_time, row.flag_part_time,
                                           row.flag_no_cover, row.hold_part_time,
                                           row.hold_no_cover)
        return found

    return site_cached(site, "triage.thresholds", load)
