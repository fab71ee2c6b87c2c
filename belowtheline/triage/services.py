"""Scoring a stored comment: what the worker does right after a comment is saved.

The post path never waits for a score and never loads a model: `queue_on_comment_event`
(an event listener registered in `TriageConfig.ready()`) asks the task queue, once the
comment has committed, to run `tasks.score_comment`. The queue is the database, so a
comment posted while the worker is down is scored when it comes back; `queue_unscored`
is the safety net for a process that died between commit and enqueue.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.db import transaction

from belowtheline import clock
from belowtheline.discussion.models import Comment
from belowtheline.sites.models import Site
from belowtheline.triage.models import (
    CommentScore,
    Fingerprint,
    FingerprintBand,
    LegalProceedings,
    TriageFlag,
)
from belowtheline.triage.scoring import CommentInput, Score  # plain dataclasses

logger = logging.getLogger(__name__)

NEW_ACCOUNT = timedelta(hours=24)
# A new comment, an author's edit within the edit window, a moderator's amendment: each is
# new text, scored again (what the scores then do to an amendment: `act_on_scores`).
SCORED_EVENTS = ("comment.created", "comment.edited", "comment.amended")


def duplicate_window() -> timedelta:
    """How far back "the same text" counts: a week by default (BTL_TRIAGE_DUPLICATE_HOURS)."""
    return timedelta(hours=float(getattr(settings, "BTL_TRIAGE_DUPLICATE_HOURS", 24 * 7)))


# --- the post path: queue only -------------------------------------------------------------

def queue_on_comment_event(*, site: Site, event: str, payload: object, now: datetime) -> None:
    """Event listener: queue the new, edited or amended comment's scoring with its commit.

    When tasks are kept in the database (the default), the task's row is written in the
    comment's own transaction, in a savepoint: they commit together, so a post stays one
    write transaction (a second one after commit cost a quarter of a post's CPU and another
    turn at SQLite's write lock), and a failed enqueue still never fails the post. Any
    other queue (one that runs the task at once, above all) is asked after commit."""
    if event not in SCORED_EVENTS or not isinstance(payload, Comment):
        return
    comment_id = payload.pk
    if _tasks_in_database() and transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            if queue_scoring(comment_id):
                return
            transaction.set_rollback(True)  # nothing half-written: `queue_unscored` finds it
        return
    transaction.on_commit(lambda: queue_scoring(comment_id))


def _tasks_in_database() -> bool:
    from django_tasks_db import DatabaseBackend

    from belowtheline.triage.tasks import score_comment

    return isinstance(score_comment.get_backend(), DatabaseBackend)


def queue_scoring(comment_id: int, *, catching_up: bool = False) -> bool:
    """Never fails the caller: the comment is already published; if the queue cannot take
    the job now, `queue_unscored` (run when the worker starts) finds the comment later.
    `catching_up`: queued behind the comments being posted now."""
    from belowtheline.triage.tasks import CATCH_UP_PRIORITY, score_comment

    try:
        (score_comment.using(priority=CATCH_UP_PRIORITY) if catching_up
         else score_comment).enqueue(comment_id)
    except Exception:
        logger.exception("Could not queue scoring of comment %s", comment_id)
        return False
    return True


def queue_unscored(*, since: datetime | None = None, site: Site | None = None,
                   limit: int | None = None, waiting: set[int] | None = None) -> int:
    """Queue every comment since `since` (default: the last day) that has no score yet and
    no scoring job waiting (a job queued before an outage still runs: it is not queued
    twice), newest first, at most `limit` of them."""
    since = since or clock.now() - timedelta(days=1)
    comments = Comment.objects.filter(created_at__gte=since).exclude(  # cross-site: worker
        triage_scores__scorer="abuse")
    if site is not None:
        comments = comments.filter(site=site)
    waiting = _waiting_comment_ids() if waiting is None else waiting
    ids = comments.order_by("-created_at", "-pk").values_list("pk", flat=True)
    if limit is not None:
        ids = ids[:limit + len(waiting)]  # enough to find `limit` not waiting already
    todo = [comment_id for comment_id in ids if comment_id not in waiting][:limit]
    for comment_id in todo:
        queue_scoring(comment_id, catching_up=True)
    return len(todo)


def _waiting_comment_ids() -> set[int]:
    """The comments whose scoring job is in the database queue, ready or running."""
    if not _tasks_in_database():
        return set()
    from django_tasks_db.models import DBTaskResult

    from belowtheline.triage.tasks import score_comment

    found = set()
    for args in DBTaskResult.objects.filter(
            task_path=score_comment.module_path, status__in=("READY", "RUNNING")).values_list(
            "args_kwargs", flat=True):
        with contextlib.suppress(KeyError, IndexError, TypeError, ValueError):
            found.add(int(args["args"][0]))
    return found


def catch_up_days() -> float:
    """How far back the worker looks at start for comments nobody scored: 3 days by
    default (BTL_TRIAGE_CATCH_UP_DAYS)."""
    return float(getattr(settings, "BTL_TRIAGE_CATCH_UP_DAYS", 3))


CATCH_UP_PER_SITE = 5000  # the newest; a longer outage than that is `btl triage rescore`'s


def catch_up(*, now: datetime | None = None, days: float | None = None,
             per_site: int = CATCH_UP_PER_SITE) -> dict[str, int]:
    """What the worker does when it starts (and, over the last hour, every few minutes):
    queue, site by site, the comments of the last `days` that were never scored — posted
    while the worker was down with their job lost, or by a process that died between
    commit and enqueue. Cross-site on purpose: the worker serves every site, and each
    site's share is bounded so one busy site cannot bury the others' catch-up. Returns
    the number queued per site slug (sites with none left out)."""
    now = now or clock.now()
    since = now - timedelta(days=catch_up_days() if days is None else days)
    queued, waiting = {}, _waiting_comment_ids()
    for site in Site.objects.order_by("pk"):  # cross-site: the worker serves every site
        count = queue_unscored(since=since, site=site, limit=per_site, waiting=waiting)
        if count:
            queued[site.slug] = count
    if queued:
        logger.info("Queued scoring of %s comments nobody scored: %s", sum(queued.values()),
                    ", ".join(f"{slug} {n}" for slug, n in queued.items()))
    return queued


PRUNE_BATCH = 500  # fingerprints (and their 16 bands each) per short transaction


def prune_fingerprints(*, now: datetime | None = None, batch: int = PRUNE_BATCH) -> int:
    """Forget the near-duplicate fingerprints, and their band keys, of text written
    longer ago than the duplicate window: no new comment is ever compared with them, so
    the index stays the size of the window's comments instead of growing forever. Site by
    site through the (site, written) index, a few hundred at a time, each batch its own
    short transaction, so a big table is never locked for long. Returns how many
    fingerprints went. (A `btl triage rescore` of an older comment then no longer finds
    its copies from then: the spam score is for the time of posting.)"""
    now = now or clock.now()
    cutoff = now - duplicate_window()
    pruned = 0
    for site_id in Site.objects.order_by("pk").values_list("pk", flat=True):  # every site
        while True:
            ids = list(Fingerprint.objects.filter(site_id=site_id, created_at__lt=cutoff)
                       .order_by("created_at").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            with transaction.atomic():  # the bands first, by their fingerprint's index
                FingerprintBand.objects.filter(site_id=site_id, fingerprint_id__in=ids).delete()
                Fingerprint.objects.filter(site_id=site_id, pk__in=ids).delete()
            pruned += len(ids)
            if len(ids) < batch:
                break
    if pruned:
        logger.info("Pruned %s near-duplicate fingerprints older than %s", pruned, cutoff)
    return pruned


# --- the worker: score and store ----------------------------------------------------------

def comment_input(comment: Comment, now: datetime) -> CommentInput:
    article = comment.article
    proceedings = LegalProceedings.objects.filter(article=article, active=True).first()
    parent_text = comment.parent.text if comment.parent_id else ""
    return CommentInput(
        text=comment.text,
        article_title=article.title,
        article_meta=article.standfirst,
        article_body=article.body,
        parent_text=parent_text,
        proceedings_active=proceedings is not None,
        proceedings_people=proceedings.people_list if proceedings else (),
        author_is_new=now - comment.author.date_joined < NEW_ACCOUNT,
    )


class StoredIndex:
    """The near-duplicate index over the database (numpy is imported only when it is
    used, in the worker): comments of the same site within the
    window sharing a band with the new one, checked on the full signature."""

    def __init__(self, *, site_id: int, exclude_comment_id: int, since: datetime,
                 until: datetime) -> None:
        self.site_id, self.exclude = site_id, exclude_comment_id
        self.since, self.until = since, until

    def matches(self, sig: object) -> list[object]:
        import numpy as np

        from belowtheline.triage import spam

        keys = spam.band_keys(sig)  # type: ignore[arg-type]
        # One statement, the database keeping each candidate once (a copy shares all 16
        # bands: fetching the band rows returned it 16 times), and the signatures compared
        # all at once: a spam wave of thousands of copies in the window cost a worker a
        # quarter of a second a comment here, growing with every copy.
        candidates = FingerprintBand.objects.filter(
            site_id=self.site_id, band__in=keys,
            created_at__gte=self.since, created_at__lte=self.until,
        ).exclude(fingerprint_id=self.exclude).values("fingerprint_id")
        rows = list(Fingerprint.objects.filter(pk__in=candidates).order_by().values_list(
            "comment_id", "signature", "author_id", "article_id"))
        if not rows:
            return []
        stored = np.frombuffer(b"".join(bytes(row[1]) for row in rows), dtype="<u4").reshape(
            len(rows), -1)
        mine = np.asarray(sig, dtype="<u4")
        similarities = (stored == mine).mean(axis=1)
        return [spam.Match(row[0], float(similarity), row[2], row[3])
                for row, similarity in zip(rows, similarities, strict=True)
                if similarity >= spam.DUPLICATE_AT]


@cache
def _model_scorers() -> tuple[object, object]:
    """The encoder and heads, loaded once per worker process on its first comment."""
    from belowtheline.triage.models_runtime import shared_encodings, shared_heads
    from belowtheline.triage.scorers import AbuseScorer, OffTopicScorer

    enc, heads = shared_encodings(), shared_heads()
    return AbuseScorer(enc, heads), OffTopicScorer(enc, heads)


def _site_abuse_scorer(site: Site, shipped: object) -> object:
    """The abuse scorer with the site's retrained head when `btl triage train` found that
    it did better on the site's held-out decisions; the shipped one otherwise."""
    from dataclasses import replace

    from belowtheline.triage.retrain import site_head
    from belowtheline.triage.scorers import AbuseScorer

    found = site_head(site)
    if found is None:
        return shipped
    head, version = found
    scorer = AbuseScorer(shipped.enc, replace(shipped.heads, abuse=head))  # type: ignore[attr-defined]
    scorer.version = f"minilm-l6-linear/{version}"
    return scorer


def _record_fingerprint(comment: Comment, sig: object | None) -> None:
    """The comment's near-duplicate fingerprint for its text as it is now, in place of any
    earlier one (an edited or amended comment has new text; one edited down to a few words
    has none), dated when that text was written: later comments are compared with what
    the thread showed, and the pruning of the index goes by that date."""
    from belowtheline.triage import spam

    Fingerprint.objects.filter(pk=comment.pk, site_id=comment.site_id).delete()  # its bands too
    if sig is None:
        return
    written = _last_changed(comment)
    fp = Fingerprint.objects.create(
        comment=comment, site_id=comment.site_id, article_id=comment.article_id,
        author_id=comment.author_id, signature=spam.to_bytes(sig),  # type: ignore[arg-type]
        created_at=written,
    )
    FingerprintBand.objects.bulk_create([
        FingerprintBand(fingerprint=fp, site_id=comment.site_id, band=band, created_at=written)
        for band in spam.band_keys(sig)  # type: ignore[arg-type]
    ])


def _up_to_date(comment: Comment, stored: dict[str, CommentScore]) -> bool:
    """Scored already, after the comment's last change: a second job for the same comment
    (queued twice after an outage) has nothing to do."""
    abuse = stored.get("abuse")
    if abuse is None or set(stored) < {"abuse", "insult", "offtopic", "spam", "legal", "words"}:
        return False
    return abuse.scored_at >= _last_changed(comment)


def score_comment(*, comment_id: int, now: datetime | None = None,
                  again: bool = False) -> dict[str, CommentScore]:
    """Score one stored comment with every scorer and keep the results (replacing the
    previous scores of the same scorers), unless it was scored after its last change and
    `again` is not asked. Returns the scores by scorer name."""
    from belowtheline.triage import spam
    from belowtheline.triage.scorers import LegalScorer, SpamScorer

    now = now or clock.now()
    comment = (Comment.objects.select_related("site", "article", "author", "parent")
               .filter(pk=comment_id).first())
    if comment is None:
        return {}
    existing = scores_for(comment)
    if not again and _up_to_date(comment, existing):
        return existing
    data = comment_input(comment, now)
    abuse, offtopic = _model_scorers()
    abuse = _site_abuse_scorer(comment.site, abuse)
    written = _last_changed(comment)  # an edited comment: copies of its new text until then
    index = StoredIndex(site_id=comment.site_id, exclude_comment_id=comment.pk,
                        since=written - duplicate_window(), until=written)
    results: dict[str, tuple[str, Score]] = {}
    abuse_score = abuse.score(data)  # type: ignore[attr-defined]
    results["abuse"] = (abuse.version, abuse_score)  # type: ignore[attr-defined]
    insult = float(abuse_score.details.get("insult", 0.0))  # type: ignore[arg-type]
    results["insult"] = (abuse.version, Score(insult, f"insult or profanity {insult:.2f}"  # type: ignore[attr-defined]
                                              if insult >= 0.3 else ""))
    for scorer in (offtopic, SpamScorer(index), LegalScorer()):
        results[scorer.name] = (scorer.version, scorer.score(data))  # type: ignore[attr-defined]
    results["words"] = ("wordlist/1", _word_list_score(comment))
    sig = spam.signature(comment.text)
    with transaction.atomic():
        _record_fingerprint(comment, sig)
        # One upsert for the six scores (six update_or_create calls were 36 statements, a
        # third of a job's time on PostgreSQL in round trips).
        rows = CommentScore.objects.bulk_create(
            [CommentScore(comment=comment, scorer=name, site_id=comment.site_id,
                          version=version, score=float(result.value),
                          explanation=result.explanation[:500], scored_at=now)
             for name, (version, result) in results.items()],
            update_conflicts=True, unique_fields=["comment", "scorer"],
            update_fields=["site", "version", "score", "explanation", "scored_at"],
        )
        stored = {row.scorer: row for row in rows}
        act_on_scores(comment=comment, scores=stored, now=now)
    return stored


def _word_list_score(comment: Comment) -> Score:
    """1 when the comment uses a word on the site's suspect (or banned) list: a flag for a
    moderator, with the words."""
    from belowtheline.triage.rules import site_words

    banned, suspect, _action = site_words(comment.site)
    found_banned, found_suspect = banned.find(comment.text), suspect.find(comment.text)
    if not found_banned and not found_suspect:
        return Score(0.0)
    parts = []
    if found_banned:
        parts.append("banned " + ", ".join(f"\u201c{w}\u201d" for w in found_banned))
    if found_suspect:
        parts.append("suspect " + ", ".join(f"\u201c{w}\u201d" for w in found_suspect))
    return Score(1.0, "uses " + "; ".join(parts))


def scores_for(comment: Comment) -> dict[str, CommentScore]:
    return {s.scorer: s for s in CommentScore.objects.filter(comment=comment)}


# --- what the scores do: flag, or hold out of hours -----------------------------------------

# Legal risk goes first in the Flagged tab, as legal-risk reports do in the Reported tab.
LEGAL_FIRST = 1000
# In the Reported tab a flagged comment's priority gains its top score times this (in
# thousandths of a point): a flag at 0.9 counts as much as 1.8 ordinary reports.
REPORT_BONUS_PER_SCORE = 1500
# A decision on a flagged or held comment, in the audit trail's words, as triage's feedback.
UPHOLDING = ("remove", "amend", "reject")
DISMISSING = ("dismiss", "release", "approve")


def _last_changed(comment: Comment) -> datetime:
    return max(t for t in (comment.created_at, comment.edited_at, comment.amended_at) if t)


def act_on_scores(*, comment: Comment, scores: dict[str, CommentScore],
                  now: datetime) -> TriageFlag | None:
    """Flag the comment for a moderator when a score reaches the site's flag threshold for
    the cover in force; out of full-time cover, hold it at once when one reaches the hold
    threshold (the desk is thin, and the worst should not wait in view until morning).
    During full-time cover it is only flagged: a moderator is there to decide.

    In the scoring transaction, so the scores and what they did commit together, and the
    queue's version moves with them (its cached pages show the change at once). A comment
    a moderator has decided on since its last change is not flagged again by a rescore;
    an author's edit is a change, so an edit that turns a civil comment abusive is flagged
    (or held) as if it had been posted so. A moderator's amendment flags and holds nothing:
    its text is the moderator's, the author can no longer edit it, and a flag would put the
    desk's own words before the desk (its scores are kept, so they stay true)."""
    from belowtheline.discussion import reports as report_figures
    from belowtheline.moderation import services as moderation
    from belowtheline.sites.cover import cover_at
    from belowtheline.sites.models import CoverKind
    from belowtheline.triage.thresholds import site_thresholds

    site = comment.site
    if comment.amended_at is not None:
        return None  # the amendment decided (upheld) any open flag: `record_decision`
    # Locked, as filing a report locks it: a report filed meanwhile either sees the flag
    # (and adds its bonus) or is seen here (and the bonus is added here). The comment's
    # row only (`of`): locking the joined site row too made every transaction that writes
    # a row of the site wait for this one at commit (its foreign-key check), and deadlock
    # with those that move the queue's version (seen under load on PostgreSQL).
    comment = Comment.objects.select_for_update(of=("self",)).select_related("site").get(
        pk=comment.pk, site_id=site.pk)
    cover = cover_at(site=site, instant=now).kind
    limits = site_thresholds(site)
    over = sorted(((s.score, name) for name, s in scores.items()
                   if name in limits and limits[name].flags(s.score, cover)), reverse=True)
    holding = [(score, name) for score, name in over if limits[name].holds(score, cover)]
    existing = TriageFlag.objects.filter(site_id=site.pk, comment=comment,
                                         outcome=TriageFlag.Outcome.OPEN).first()
    if not over:
        if existing is not None and not existing.held:  # amended since: nothing to flag
            _move_report_bonus(comment, existing, 0)
            existing.delete()
            report_figures.queue_changed(site_id=comment.site_id)
        return None
    decided_since = TriageFlag.objects.filter(
        site_id=site.pk, comment=comment, decided_at__gte=_last_changed(comment)).exclude(
        outcome=TriageFlag.Outcome.OPEN).exists()
    if existing is None and decided_since:
        return None
    top_score, top = (holding or over)[0]
    legal = any(name == "legal" for _, name in over)
    held = bool(holding) and cover != CoverKind.FULL_TIME and \
        comment.status == Comment.Status.PUBLISHED
    fields = {
        "site_id": comment.site_id, "cover": cover,
        "priority": round(top_score * 1000) + (LEGAL_FIRST if legal else 0),
        "scorers": ",".join(name for _, name in over)[:100], "score": top_score,
        "version": scores[top].version, "flagged_at": now,
    }
    if existing is None:
        flag = TriageFlag.objects.create(comment=comment, held=held, **fields)
    else:  # scored again (an edit, a rescore): the same flag, with what it says now
        flag = existing
        for name, value in fields.items():
            setattr(flag, name, value)
        flag.held = flag.held or held
        flag.save()
    if comment.open_report_count:
        _move_report_bonus(comment, flag, round(top_score * REPORT_BONUS_PER_SCORE))
    if held:
        why = scores[top].explanation or f"{top} {top_score:.2f}"
        moderation.hold_on_triage_scores(
            site=site, comment_id=comment.pk, cover=cover, now=now,
            reason=f"Held automatically during {CoverKind(cover).label.lower()} cover: "
                   f"{top} score {top_score:.2f} (scorer {scores[top].version}) reached the "
                   f"hold threshold {limits[top].hold[cover]:.2f}. {why}"[:2000])
    else:
        report_figures.queue_changed(site_id=comment.site_id)
    return flag


def _move_report_bonus(comment: Comment, flag: TriageFlag, bonus: int) -> None:
    """Put `bonus` (in place of what the flag added before) into the comment's open-report
    weight and both of its queue keys, as one more report's weight would be: so the
    Reported tab, which walks those keys' indexes, orders by reports and scores together
    and still costs the same at any size. The open-report figures are reset when the
    reports are decided, and the flag with them (`record_decision`)."""
    from django.db.models import F

    delta = bonus - flag.report_bonus
    if not delta or not comment.open_report_count:
        return
    Comment.objects.filter(pk=comment.pk, site_id=comment.site_id).update(
        open_report_weight=F("open_report_weight") + delta,
        queue_rising_key=F("queue_rising_key") + delta,
        queue_settled_key=F("queue_settled_key") + delta,  # null stays null
    )
    TriageFlag.objects.filter(pk=flag.pk, site_id=flag.site_id).update(report_bonus=bonus)
    flag.report_bonus = bonus


def add_scores_to_report_priority(report: object, now: datetime) -> None:
    """A report-filed hook: the first report of a round on a flagged comment brings the
    flag's bonus into the comment's open-report figures (later ones add to them)."""
    comment = (Comment.objects.select_for_update().filter(
        pk=report.comment_id, site_id=report.site_id).first())  # type: ignore[attr-defined]
    if comment is None or comment.open_report_count != 1:
        return
    flag = TriageFlag.objects.filter(site_id=comment.site_id, comment=comment,
                                     outcome=TriageFlag.Outcome.OPEN).first()
    if flag is not None:
        flag.report_bonus = 0  # the figures were reset when the last round was decided
        _move_report_bonus(comment, flag, round(flag.score * REPORT_BONUS_PER_SCORE))


def has_open_flag(*, comment: Comment) -> bool:
    return TriageFlag.objects.filter(site_id=comment.site_id, comment=comment,
                                     outcome=TriageFlag.Outcome.OPEN).exists()


def record_decision(*, comment: Comment, action: str, now: datetime) -> int:
    """A moderator's decision on a comment triage flagged or held: removing, amending or
    rejecting it upholds the flag; approving, releasing it or dismissing its reports (or
    the flag) dismisses it. Other entries (a hold, a note) decide nothing."""
    if action in UPHOLDING:
        outcome = TriageFlag.Outcome.UPHELD
    elif action in DISMISSING:
        outcome = TriageFlag.Outcome.DISMISSED
    else:
        return 0
    return TriageFlag.objects.filter(
        site_id=comment.site_id, comment=comment, outcome=TriageFlag.Outcome.OPEN,
    ).update(outcome=outcome, decided_at=now, decision=action, report_bonus=0)
