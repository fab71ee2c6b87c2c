"""Importing another system's comments into a site: stage the whole file, then publish.

Pass one streams the file (a parser per format yields `records`) into the staging tables
of `imports.models`, in bounded batches. Nothing there is visible to readers, so a file
that turns out to be broken, truncated or of the wrong format stops the import with
nothing published (and this run's unpublished staging rows are dropped).

Pass two publishes what this run staged, a group of whole threads per transaction:
the group's articles are matched or created by canonical URL (`imports.urls`), their
authors found or made, their comments written with bulk inserts of at most `BATCH` rows,
parents before replies, then the articles' published counts and thread versions moved —
exactly as posting moves them, so cached pages show the imported comments — and the
moderation queue's version when pending comments arrived. Killed at any moment, a
thread is either all there with its counts right or not there at all; running the
command again finishes the job, because every published row is marked in staging and
skipped next time. Imports send no webhooks and queue no scoring (the worker's catch-up
of unscored comments scores them in its own time): the comments are history, not news.

A record that cannot be used (an impossible date, an unknown thread, an id seen twice in
the file, a reply to a comment the file does not have) is skipped and reported with its
id; the rest is imported.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from belowtheline import clock
from belowtheline import rows as rows_sql
from belowtheline import text as typed_text
from belowtheline.accounts.models import User
from belowtheline.discussion import thread_cache
from belowtheline.discussion.models import Article, Comment
from belowtheline.discussion.reports import queue_changed
from belowtheline.imports import records as r
from belowtheline.imports.disqus import DisqusExport
from belowtheline.imports.errors import ImportRefused
from belowtheline.imports.isso import IssoDatabase
from belowtheline.imports.models import ImportedAuthor, ImportedComment, ImportedThread
from belowtheline.imports.progress import Progress
from belowtheline.imports.summary import ImportSummary
from belowtheline.imports.urls import canonical_url, url_key, variants
from belowtheline.imports.wordpress import WordPressExport
from belowtheline.sites.models import Site

BATCH = 500  # rows per bulk statement, and comments per transaction (whole threads)
DISPLAY_NAME_LENGTH = User._meta.get_field("display_name").max_length or 60
TITLE_LENGTH = Article._meta.get_field("title").max_length or 300
SOURCE_ID_LENGTH = ImportedComment._meta.get_field("source_id").max_length or 300


class Parser(Protocol):
    source: str

    def records(self) -> Iterator[r.Record]: ...


def find_site(slug: str) -> Site:
    site = Site.objects.filter(slug=slug).first()
    if site is None:
        raise ImportRefused("site_not_found", f"There is no site {slug!r} "
                            "(create it in the admin first, or check the slug).")
    return site


def import_disqus(path: Path, *, site_slug: str, progress: Progress) -> ImportSummary:
    return import_records(DisqusExport(path), site=find_site(site_slug), progress=progress)


def import_wordpress(path: Path, *, site_slug: str, progress: Progress) -> ImportSummary:
    return import_records(WordPressExport(path), site=find_site(site_slug), progress=progress)


def import_isso(path: Path, *, site_slug: str, progress: Progress,
                base_url: str | None = None) -> ImportSummary:
    """Isso stores page paths; they are joined to `base_url`, by default the site's own
    address (its first allowed origin)."""
    site = find_site(site_slug)
    if base_url is None:
        if not site.origins:
            raise ImportRefused("base_url_unknown", f"Site {site.slug!r} has no allowed "
                                "origin to join Isso's page paths to: add one, or pass "
                                "--base-url https://your.site.")
        base_url = site.origins[0]
    if canonical_url(base_url, origins=[]) is None:
        raise ImportRefused("base_url_invalid", f"--base-url {base_url!r} is not an http(s) "
                            "address such as https://news.example.")
    return import_records(IssoDatabase(path, base_url=base_url), site=site, progress=progress)


def import_records(parser: Parser, *, site: Site, progress: Progress,
                   now: datetime | None = None) -> ImportSummary:
    """Stage everything `parser` yields, then publish it (see the module)."""
    run = Run(site=site, run=uuid.uuid4().hex, summary=ImportSummary(),
              now=now or clock.now(), progress=progress)
    progress.phase("reading", unit="records")
    stager = Stager(run)
    try:
        for record in parser.records():
            stager.add(record, parser.source)
            progress.advance()
        stager.flush()
    except (ImportRefused, KeyboardInterrupt):
        stager.forget()
        raise
    if stager.source is None:  # a file with no records at all: nothing to do
        return run.summary
    resolve_parents(run, stager.source)
    Publisher(run, stager.source).publish()
    return run.summary


@dataclass
class Run:
    site: Site
    run: str
    summary: ImportSummary
    now: datetime
    progress: Progress


class Stager:
    """Pass one: records into the staging tables, a batch at a time."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.site = run.site
        self.source: str | None = None
        self.threads: list[r.ThreadRecord] = []
        self.comments: list[r.CommentRecord] = []

    def add(self, record: r.Record, source: str) -> None:
        if self.source is None:  # fixed at the first record: a run has one source
            self.source = source[:300]
        if isinstance(record, r.BadRecord):
            self.run.summary.skip(record.kind, record.source_id, record.reason)
        elif isinstance(record, r.ThreadRecord):
            self.threads.append(record)
            if len(self.threads) >= BATCH:
                self._flush_threads()
        else:
            self.comments.append(record)
            if len(self.comments) >= BATCH:
                self.flush()

    def flush(self) -> None:
        self._flush_threads()  # a batch of comments may name threads not yet written
        self._flush_comments()

    def forget(self) -> None:
        """The file was refused: drop what this run staged and nothing published."""
        ImportedComment.objects.filter(site=self.site, run=self.run.run,
                                       imported_at=None).delete()

    def _too_long(self, kind: str, source_id: str) -> bool:
        if len(source_id) > SOURCE_ID_LENGTH:
            self.run.summary.skip(kind, source_id[:60] + "…", "an id longer than "
                                  f"{SOURCE_ID_LENGTH} characters")
            return True
        return False

    def _flush_threads(self) -> None:
        batch, self.threads = self.threads, []
        if not batch:
            return
        seen: set[str] = set()
        ids = [t.source_id for t in batch]
        earlier = dict(ImportedThread.objects.filter(
            site=self.site, source=self.source, source_id__in=ids,
        ).values_list("source_id", "run"))
        rows = []
        for t in batch:
            if self._too_long("thread", t.source_id):
                continue
            if t.source_id in seen or earlier.get(t.source_id) == self.run.run:
                self.run.summary.skip("thread", t.source_id, "duplicate id in the file")
                continue
            seen.add(t.source_id)
            rows.append(ImportedThread(
                site=self.site, source=self.source, source_id=t.source_id,
                alt_id=t.alt_id[:300], url=t.url or "", title=t.title[:TITLE_LENGTH],
                published_at=t.published_at, always_create=t.always_create, run=self.run.run,
            ))
        with transaction.atomic():
            ImportedThread.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["site", "source", "source_id"],
                update_fields=["alt_id", "url", "title", "published_at", "always_create",
                               "run"],
            )

    def _flush_comments(self) -> None:
        batch, self.comments = self.comments, []
        if not batch:
            return
        summary = self.run.summary
        refs = {c.thread_ref for c in batch}
        threads: dict[str, int] = {}
        for pk, source_id, alt_id in ImportedThread.objects.filter(
            Q(source_id__in=refs) | Q(alt_id__in=refs),
            site=self.site, source=self.source, run=self.run.run,
        ).values_list("pk", "source_id", "alt_id"):
            threads[source_id] = pk
            if alt_id:
                threads.setdefault(alt_id, pk)
        earlier = {sid: (pk, run, done) for sid, pk, run, done in ImportedComment.objects.filter(
            site=self.site, source=self.source, source_id__in=[c.source_id for c in batch],
        ).values_list("source_id", "pk", "run", "imported_at")}
        seen: set[str] = set()
        fresh: list[ImportedComment] = []
        stale: list[int] = []  # staged by a run that was killed before publishing them
        already: list[int] = []
        for c in batch:
            if self._too_long("comment", c.source_id):
                continue
            before = earlier.get(c.source_id)
            if c.source_id in seen or (before is not None and before[1] == self.run.run):
                summary.skip("comment", c.source_id, "duplicate id in the file")
                continue
            seen.add(c.source_id)
            thread = threads.get(c.thread_ref)
            if thread is None:
                summary.skip("comment", c.source_id,
                             f"unknown thread {c.thread_ref[:80]!r}")
                continue
            if before is not None and before[2] is not None:
                already.append(before[0])
                summary.comments_already_there += 1
                continue
            if before is not None:
                stale.append(before[0])
            fresh.append(ImportedComment(
                site=self.site, source=self.source, source_id=c.source_id,
                alt_id=c.alt_id[:300], thread_id=thread, parent_ref=c.parent_ref[:300],
                author_key=c.author_key[:300], author_name=c.author_name[:300],
                text=c.text, status=c.status, created_at=c.created_at, run=self.run.run,
            ))
        with transaction.atomic():
            if stale:
                ImportedComment.objects.filter(site=self.site, pk__in=stale).delete()
            ImportedComment.objects.bulk_create(fresh, batch_size=BATCH)
            if already:
                ImportedComment.objects.filter(site=self.site, pk__in=already).update(
                    run=self.run.run)


def resolve_parents(run: Run, source: str) -> None:
    """Point every reply staged by this run at its parent's staging row, wherever in the
    file (or in an earlier import of the same source) the parent was."""
    same = ImportedComment.objects.filter(site=run.site, source=source)
    by_id = same.filter(source_id=OuterRef("parent_ref")).values("pk")[:1]
    by_alt = same.filter(alt_id=OuterRef("parent_ref")).values("pk")[:1]
    with transaction.atomic():
        ImportedComment.objects.filter(
            site=run.site, source=source, run=run.run, imported_at=None,
        ).exclude(parent_ref="").update(parent=Coalesce(Subquery(by_id), Subquery(by_alt)))


_ROW_FIELDS = ("id", "thread_id", "thread__article_id", "parent_ref", "parent_id",
               "parent__imported_at", "parent__comment_id", "author_key", "author_name",
               "text", "status", "created_at")


class Publisher:
    """Pass two: this run's staged threads and comments into the discussion tables."""

    def __init__(self, run: Run, source: str) -> None:
        self.run = run
        self.site = run.site
        self.source = source
        self.summary = run.summary
        self.todo = ImportedComment.objects.filter(site=self.site, source=source,
                                                   run=run.run, imported_at=None)

    def publish(self) -> None:
        total = self.todo.count()
        self.run.progress.phase("publishing", total=total, unit="comments")
        undone = (self.todo.filter(thread=OuterRef("pk")).order_by()
                  .values("thread").annotate(n=Count("*")).values("n"))
        threads = ImportedThread.objects.filter(
            site=self.site, source=self.source, run=self.run.run,
        ).annotate(
            waiting=Coalesce(Subquery(undone, output_field=IntegerField()), 0),
        ).filter(Q(waiting__gt=0) | Q(always_create=True, article__isnull=True))
        last = 0
        while True:
            page = list(threads.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not page:
                break
            group: list[ImportedThread] = []
            size = 0
            for thread in page:
                group.append(thread)
                size += thread.waiting  # type: ignore[attr-defined]
                if size >= BATCH:
                    break
            last = group[-1].pk
            with transaction.atomic():
                self._link_articles(group)
                published = self._publish_threads([t for t in group if t.article_id])
            self.run.progress.advance(published)
        self._report_leftovers()
        linked = ImportedThread.objects.filter(
            site=self.site, source=self.source, run=self.run.run, article__isnull=False,
        ).values("article").distinct().count()
        self.summary.articles_matched = max(0, linked - self.summary.articles_created)

    # Articles

    def _link_articles(self, group: list[ImportedThread]) -> None:
        origins = self.site.origins
        wanted: dict[int, str] = {}
        for thread in group:
            if thread.article_id:
                continue
            url = canonical_url(thread.url, origins=origins)
            if url is None:
                shown = thread.url[:100] if thread.url else "none"
                self.summary.skip("thread", thread.source_id,
                                  f"no usable article URL ({shown}): its comments are not "
                                  "imported")
                continue
            wanted[thread.pk] = url
        if not wanted:
            return
        found: dict[str, int] = {}
        candidates = [v for url in wanted.values() for v in variants(url)]
        for pk, stored in Article.objects.filter(site=self.site,
                                                 canonical_url__in=candidates).values_list(
                                                     "pk", "canonical_url").order_by("pk"):
            found.setdefault(url_key(stored), pk)
        new: dict[str, Article] = {}
        for thread in group:
            url = wanted.get(thread.pk)
            if url is None or url_key(url) in found or url_key(url) in new:
                continue
            new[url_key(url)] = Article(
                site=self.site, canonical_url=url,
                title=thread.title[:TITLE_LENGTH] or url[:TITLE_LENGTH],
                published_at=thread.published_at,
            )
        if new:
            Article.objects.bulk_create(new.values(), ignore_conflicts=True)  # each of this site
            for pk, stored in Article.objects.filter(
                site=self.site, canonical_url__in=[a.canonical_url for a in new.values()],
            ).values_list("pk", "canonical_url"):
                found.setdefault(url_key(stored), pk)
            self.summary.articles_created += len(new)
        linked = []
        for thread in group:
            url = wanted.get(thread.pk)
            if url is not None and url_key(url) in found:
                thread.article_id = found[url_key(url)]
                linked.append(thread)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {rows_sql.table(ImportedThread)} SET article_id = %s WHERE id = %s",
                [(t.article_id, t.pk) for t in linked])

    # Authors

    def _authors(self, rows: Iterable[dict[str, Any]]) -> dict[str, int]:
        names: dict[str, str] = {}
        for row in rows:
            names.setdefault(row["author_key"], row["author_name"])
        known = dict(ImportedAuthor.objects.filter(
            site=self.site, source=self.source, author_key__in=names,
        ).values_list("author_key", "user_id"))
        missing = [key for key in names if key not in known]
        if missing:
            users = [self._new_author(key, names[key]) for key in missing]
            User.objects.bulk_create(users)
            ImportedAuthor.objects.bulk_create([
                ImportedAuthor(site=self.site, source=self.source, author_key=key, user=user)
                for key, user in zip(missing, users, strict=True)
            ])
            known.update((key, user.pk) for key, user in zip(missing, users, strict=True))
            self.summary.authors_created += len(users)
        return known

    def _new_author(self, key: str, name: str) -> User:
        """An unverified commenter who cannot sign in: no usable password, no email (a
        password reset can never reach it), and a username with `/`, which sign-up's
        validator refuses and subscriber tokens (`slug:sub`) never make."""
        digest = hashlib.sha256(f"{self.source}\x00{key}".encode()).hexdigest()[:40]
        return User(
            username=f"imported/{self.site.pk}/{digest}",
            display_name=typed_text.clean_name(name, DISPLAY_NAME_LENGTH) or r.ANONYMOUS,
            password=make_password(None), email="", is_active=True,
        )

    # Comments

    def _rows(self, queryset: Any) -> Iterator[list[dict[str, Any]]]:
        """Pages of staged comments, thread by thread and oldest first (parents are
        nearly always older than their replies)."""
        cursor: tuple[int, datetime, int] | None = None
        while True:
            page = queryset
            if cursor is not None:
                t, c, i = cursor
                page = page.filter(Q(thread_id__gt=t) | Q(thread_id=t, created_at__gt=c)
                                   | Q(thread_id=t, created_at=c, id__gt=i))
            rows = list(page.order_by("thread_id", "created_at", "id")
                        .values(*_ROW_FIELDS)[:BATCH])
            if not rows:
                return
            last = rows[-1]
            cursor = (last["thread_id"], last["created_at"], last["id"])
            yield rows

    def _publish_threads(self, threads: list[ImportedThread]) -> int:
        if not threads:
            return 0
        ids = [t.pk for t in threads]
        articles: Counter[int] = Counter()
        states: Counter[str] = Counter()
        published = 0
        for rows in self._rows(self.todo.filter(thread_id__in=ids)):
            published += self._publish_rows(rows, articles, states)
        while True:  # replies older than their parents, whose parents are in now
            more = 0
            for rows in self._rows(self.todo.filter(thread_id__in=ids,
                                                    parent__imported_at__isnull=False)):
                more += self._publish_rows(rows, articles, states)
            published += more
            if not more:
                break
        for article_id in sorted(articles):  # every article that got comments, any state
            thread_cache.thread_changed(site=self.site, article_id=article_id,
                                        comment_count_delta=articles[article_id])
        if states[r.PENDING] or states[Comment.Status.HELD]:
            queue_changed(site_id=self.site.pk)  # the desk's Held/Pending tab has more
        self.summary.comments_imported.update(states)
        return published

    def _publish_rows(self, rows: list[dict[str, Any]], articles: Counter[int],
                      states: Counter[str]) -> int:
        """Write the rows that can go now: top-level ones, replies whose parent is
        published, and replies to those, level by level. The others wait."""
        by_pk = {row["id"]: row for row in rows}
        parent_comments = {
            pk: (article, root) for pk, article, root in Comment.objects.filter(
                site=self.site,
                pk__in=[row["parent__comment_id"] for row in rows
                        if row["parent__imported_at"] and row["parent__comment_id"]],
            ).values_list("pk", "article_id", "thread_root_id")
        }
        placed: dict[int, tuple[int, int, int | None]] = {}  # staged pk → comment, article, root
        remaining = rows
        written: list[tuple[int, Comment]] = []
        while remaining:
            level: list[tuple[dict[str, Any], tuple[int, int, int | None] | None]] = []
            later = []
            for row in remaining:
                article = row["thread__article_id"]
                parent: tuple[int, int, int | None] | None = None
                if row["parent_ref"]:
                    if row["parent_id"] in placed:
                        parent = placed[row["parent_id"]]
                    elif row["parent__imported_at"] and row["parent__comment_id"] in \
                            parent_comments:
                        cid = row["parent__comment_id"]
                        parent = (cid, *parent_comments[cid])
                    elif row["parent_id"] in by_pk:
                        later.append(row)
                        continue
                    else:
                        continue  # waits for a later page, or is reported at the end
                    if parent[1] != article:
                        continue  # a parent on another article: reported at the end
                level.append((row, parent))
            if not level:
                break
            authors = self._authors(row for row, _ in level)
            comments = [Comment(
                site=self.site, article_id=row["thread__article_id"],
                author_id=authors[row["author_key"]],
                parent_id=parent[0] if parent else None,
                thread_root_id=(parent[2] or parent[0]) if parent else None,
                text=row["text"], status=row["status"], created_at=row["created_at"],
                status_changed_at=row["created_at"],
            ) for row, parent in level]
            Comment.objects.bulk_create(comments)  # each built with site=self.site
            for (row, _), comment in zip(level, comments, strict=True):
                placed[row["id"]] = (comment.pk, comment.article_id, comment.thread_root_id)
                written.append((row["id"], comment))
                states[comment.status] += 1
                articles[comment.article_id] += comment.status == Comment.Status.PUBLISHED
            remaining = later
        if written:
            # One prepared statement run per row: Django's bulk_update builds a CASE per
            # column and row, which cost more than everything else in publishing.
            now = connection.ops.adapt_datetimefield_value(self.run.now)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {rows_sql.table(ImportedComment)} SET imported_at = %s, "
                    "comment_id = %s, text = '' WHERE id = %s",
                    [(now, c.pk, pk) for pk, c in written])
        return len(written)

    def _report_leftovers(self) -> None:
        """Every comment of this run still unpublished, with the reason it could not go."""
        rows = self.todo.values_list(
            "source_id", "parent_ref", "parent_id", "parent__imported_at",
            "parent__comment_id", "thread__article_id", "thread__source_id",
        ).order_by("id")
        for source_id, _ref, parent, parent_done, parent_comment, article, _thread in \
                rows.iterator(chunk_size=BATCH):
            if article is None:
                reason = "its thread has no usable article URL"
            elif parent is None:
                reason = "a reply to a comment that is not in the file"
            elif parent_done and parent_comment is None:
                reason = "a reply to a comment erased since it was imported"
            elif parent_done:
                reason = "a reply to a comment on another thread"
            else:
                reason = "a reply to a comment that could not be imported"
            self.summary.skip("comment", source_id, reason)
