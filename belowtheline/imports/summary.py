"""What an import did, told at the end of `btl import` (and of `btl import btl`).

One dataclass for every importer, so that the export side's re-import reports in the same
words: articles created and matched, comments imported by state, what was skipped and why
(with the source's id, so the operator can look the record up), and whether anything
changed at all — a second run of the same file must be able to say "nothing changed".
"""

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Skipped:
    """One record left out: its id in the source file and the reason, in plain words."""

    kind: str  # "comment", "article", "author"
    source_id: str
    reason: str


@dataclass
class ImportSummary:
    articles_created: int = 0
    articles_matched: int = 0
    authors_created: int = 0
    # Comments written by this run, by our state (published, pending, removed, deleted).
    comments_imported: Counter[str] = field(default_factory=Counter)
    # Comments already imported by an earlier run of this or an older export.
    comments_already_there: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    # Skips beyond this many are counted, not listed: a hostile file must not grow memory.
    max_listed_skips: int = 1000
    skipped_unlisted: int = 0

    def skip(self, kind: str, source_id: str, reason: str) -> None:
        if len(self.skipped) < self.max_listed_skips:
            self.skipped.append(Skipped(kind, source_id, reason))
        else:
            self.skipped_unlisted += 1

    @property
    def skipped_count(self) -> int:
        return len(self.skipped) + self.skipped_unlisted

    @property
    def comments_total(self) -> int:
        return sum(self.comments_imported.values())

    @property
    def changed(self) -> bool:
        """Whether this run wrote anything: False on a second run of the same file."""
        return bool(self.articles_created or self.authors_created or self.comments_total)

    def lines(self) -> list[str]:
        """The summary as the command prints it, one fact a line."""
        out = [
            f"articles: {self.articles_created:,} created, {self.articles_matched:,} matched",
        ]
        if self.comments_imported:
            states = ", ".join(f"{n:,} {state}"
                               for state, n in sorted(self.comments_imported.items()))
            out.append(f"comments imported: {self.comments_total:,} ({states})")
        else:
            out.append("comments imported: 0")
        if self.comments_already_there:
            out.append(f"comments already imported before: {self.comments_already_there:,}")
        out.append(f"authors created: {self.authors_created:,}")
        if self.skipped_count:
            out.append(f"skipped: {self.skipped_count:,}")
            reasons = Counter(s.reason for s in self.skipped)
            for reason, n in reasons.most_common():
                ids = [s.source_id for s in self.skipped if s.reason == reason][:10]
                more = f" and {n - len(ids):,} more" if n > len(ids) else ""
                out.append(f"  {n:,} × {reason}: {', '.join(ids)}{more}")
            if self.skipped_unlisted:
                out.append(f"  {self.skipped_unlisted:,} more not listed")
        if not self.changed:
            out.append("nothing changed: everything in the file was already imported")
        return out
