"""`btl import btl FILE --site SLUG`: a `btl export` file restored as a site.

All or nothing: the whole file is restored in one transaction, so a file that is
truncated, malformed or of a version this install cannot read stops with a message
naming the line and leaves nothing behind. A site that already holds data (articles,
comments, the audit trail, subscribers…) is refused: merging two histories of moderation
cannot be made exact. An existing site with none (made in the admin to restore into)
takes the export's settings, schedule and triage thresholds in place of its own; its
staff keep their roles.

Ids: each record keeps its exported id when that id is free in this install (always, in
an empty one: the restore is then exact, down to the `#comment-123` in every link);
otherwise every id of that kind moves by one offset, past the highest in use, and every
reference to it moves with it. An offset, not a table of old and new ids, so memory stays
flat whatever the size of the file.

Rows are written as they were: their times, their counts, their states. That is done by
`_insert_as_they_were`, the restore's own path, which inserts rows without running the
models' `save()`; the audit trail's entries go in through it with their actors, times and
actions. Nothing is updated or deleted there: the trail's append-only rule (moderation/
models.py) is untouched, and still refuses every change to an entry, restored or not.

Accounts are never merged with existing ones: a restored file must not be able to attach
its comments, or take its powers, to an account of this install. A username already taken
here is restored with a suffix (`-restored`) and the summary lists it.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import F

from belowtheline.backup import VERSION_JUMP
from belowtheline.imports.errors import ImportRefused
from belowtheline.imports.progress import Progress
from belowtheline.imports.summary import ImportSummary
from belowtheline.portability.format import (
    FORMAT_NAME,
    MAX_LINE_BYTES,
    READABLE_VERSIONS,
    RecordType,
    by_name,
    decode_value,
    key_of,
    record_types,
)
from belowtheline.portability.services import record_restore

log = logging.getLogger(__name__)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
BATCH = 500


@dataclass
class RestoreSummary(ImportSummary):
    """What a restore wrote: every kind of record with its count, and renamed accounts."""

    site: str = ""
    records: Counter[str] = field(default_factory=Counter)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    moved_ids: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"restored site {self.site!r}: {sum(self.records.values()):,} records"]
        out += [f"  {name}: {count:,}" for name, count in self.records.items() if count]
        if self.comments_imported:
            states = ", ".join(f"{n:,} {state}"
                               for state, n in sorted(self.comments_imported.items()))
            out.append(f"comments by state: {states}")
        if self.renamed:
            out.append(f"{len(self.renamed):,} accounts renamed (the username was taken "
                       "in this install):")
            out += [f"  {old} → {new}" for old, new in self.renamed[:50]]
            if len(self.renamed) > 50:
                out.append(f"  and {len(self.renamed) - 50:,} more")
        if self.moved_ids:
            out.append("new ids (the exported ones were taken here; references moved "
                       f"with them): {', '.join(self.moved_ids)}")
        return out


class _Stop(Exception):
    """The file is refused: the message names the line."""


# --- reading the file ---------------------------------------------------------------------

@contextlib.contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ImportRefused("unreadable_file", f"cannot read the file: {exc.strerror}.") \
            from None
    with raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == b"\x1f\x8b":
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield unzipped  # type: ignore[misc]
        else:
            yield raw


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    number = 0
    while True:
        try:
            line = stream.readline(MAX_LINE_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise _Stop(f"line {number + 1}: the file is damaged or cut short "
                        f"({exc or 'compressed data ends early'}).") from None
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise _Stop(f"line {number}: longer than any record of the format "
                        f"({MAX_LINE_BYTES:,} bytes); this is not a btl export.")
        if not line.strip():
            continue
        yield number, line


def _parse(number: int, line: bytes) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except UnicodeDecodeError:
        raise _Stop(f"line {number}: not UTF-8 text.") from None
    except json.JSONDecodeError as exc:
        raise _Stop(f"line {number}: not a JSON record ({exc.msg} at column "
                    f"{exc.colno}).") from None
    if not isinstance(record, dict):
        raise _Stop(f"line {number}: a record is a JSON object.")
    return record


def _header(number: int, record: dict[str, Any]) -> dict[str, dict[str, int | None]]:
    if record.get("format") != FORMAT_NAME or record.get("type", "header") != "header":
        raise _Stop(f"line {number}: this is not a btl export (its first line must say "
                    f'"format": "{FORMAT_NAME}").')
    version = record.get("version")
    if version not in READABLE_VERSIONS:
        readable = ", ".join(str(v) for v in sorted(READABLE_VERSIONS))
        raise _Stop(f"line {number}: format version {version!r}, which this install cannot "
                    f"read (it reads version {readable}); restore it with the version of "
                    "Below the Line that wrote it, or a newer one.")
    counts = record.get("records")
    if not isinstance(counts, dict):
        raise _Stop(f"line {number}: the header has no record counts.")
    known = by_name()
    out: dict[str, dict[str, int | None]] = {}
    for name, figures in counts.items():
        if name not in known:
            raise _Stop(f"line {number}: unknown kind of record {name!r} in the header.")
        if not isinstance(figures, dict) or not all(
                isinstance(figures.get(k), int | type(None)) and not isinstance(
                    figures.get(k), bool) for k in ("count", "min_id", "max_id")):
            raise _Stop(f"line {number}: the header's figures for {name!r} are not numbers.")
        out[name] = {k: figures.get(k) for k in ("count", "min_id", "max_id")}
    return out


# --- ids ----------------------------------------------------------------------------------

class _Ids:
    """Where each exported id goes: the same id, or the same id moved by one offset."""

    def __init__(self) -> None:
        self.offsets: dict[type[models.Model], int] = {}
        self.ranges: dict[type[models.Model], tuple[int, int]] = {}
        self.site_id: int = 0
        self.exported_site_id: int | None = None

    def plan(self, record_type: RecordType, figures: dict[str, int | None]) -> int:
        """Choose the offset of one kind before any of it is written: 0 if none of its ids
        is taken here, else one past the highest id in use."""
        model = record_type.model
        low, high = figures.get("min_id"), figures.get("max_id")
        if low is None or high is None:
            self.ranges[model] = (1, 0)
            self.offsets[model] = 0
            return 0
        self.ranges[model] = (low, high)
        manager = model._base_manager
        taken = manager.filter(pk__gte=low, pk__lte=high).exists()
        offset = 0
        if taken:
            top = manager.aggregate(top=models.Max("pk"))["top"] or 0
            offset = top - low + 1
        self.offsets[model] = offset
        if connection.vendor == "postgresql":
            # Move the id sequence past the ids this restore writes first, so that rows
            # other sites insert meanwhile never take one of them.
            table = model._meta.db_table
            column = model._meta.pk.column
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
                sequence = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT setval(%s, GREATEST(%s, nextval(%s), (SELECT COALESCE(MAX("
                    f"{connection.ops.quote_name(column)}), 1) FROM "
                    f"{connection.ops.quote_name(table)})))",
                    [sequence, high + offset, sequence])
        return offset

    def new(self, model: type[models.Model], old: int, *, what: str) -> int:
        from belowtheline.sites.models import Site
        from belowtheline.triage.models import TriageSettings

        if model is Site or model is TriageSettings:
            if old != self.exported_site_id:
                raise ValueError(f"{what} names site {old}, not the exported one")
            return self.site_id
        low, high = self.ranges.get(model, (1, 0))
        if not low <= old <= high:
            raise ValueError(f"{what} {old} is not in the file (its ids run from {low} to "
                             f"{high})" if low <= high else f"{what} {old} is not in the file")
        return old + self.offsets[model]


# --- writing ------------------------------------------------------------------------------

def _insert_as_they_were(model: type[models.Model], rows: list[models.Model]) -> None:
    """The restore's one way of writing: rows inserted exactly as exported — their ids,
    times and counts — without `save()` or the fields' pre-save hooks, which would stamp
    `created_at` with today and bump versions once per row. Only inserts: nothing already
    in the database is changed, so the audit trail's append-only rule holds."""
    if not rows:
        return
    fields = list(model._meta.concrete_fields)
    size = connection.ops.bulk_batch_size(fields, rows) or len(rows)
    for start in range(0, len(rows), size):
        model._base_manager._insert(rows[start:start + size], fields=fields,  # type: ignore[attr-defined]
                                    raw=True)


class _Restorer:
    def __init__(self, *, site_slug: str, counts: dict[str, dict[str, int | None]],
                 progress: Progress, summary: RestoreSummary) -> None:
        self.site_slug = site_slug
        self.counts = counts
        self.progress = progress
        self.summary = summary
        self.ids = _Ids()
        self.types = record_types()
        self.index = {t.name: i for i, t in enumerate(self.types)}
        self.position = -1
        self.pending: list[models.Model] = []
        self.pending_type: RecordType | None = None
        self.pending_lines: list[int] = []
        self.seen: Counter[str] = Counter()
        self.ended = False
        self.exported_slug = ""
        self.existing_site: Any = None
        self.link_rewrite = False

    # The site first: it decides where everything else goes.
    def prepare(self, exported_slug: str) -> None:
        from belowtheline.sites.models import Site

        self.exported_slug = exported_slug
        self.existing_site = Site.objects.select_for_update().filter(
            slug=self.site_slug).first()
        if self.existing_site is not None:
            held = _data_held(self.existing_site.pk)
            if held:
                raise ImportRefused(
                    "site_not_empty",
                    f"site {self.site_slug!r} already holds {held}; a restore goes into a "
                    "site with no data, or a slug not in use, which it creates.")
        for record_type in self.types:
            figures = self.counts.get(record_type.name, {"count": 0})
            if record_type.own_ids and (figures.get("count") or 0):
                if record_type.name == "site" and self.existing_site is not None:
                    continue
                if self.ids.plan(record_type, figures):
                    self.summary.moved_ids.append(record_type.name)

    def take(self, number: int, record: dict[str, Any]) -> None:
        if self.ended:
            raise _Stop(f"line {number}: a record after the end line.")
        kind = record.get("type")
        if kind == "end":
            self.flush()
            if record.get("records") != sum(self.seen.values()):
                raise _Stop(f"line {number}: the end line counts {record.get('records')!r} "
                            f"records, the file holds {sum(self.seen.values()):,}.")
            self.ended = True
            return
        if not isinstance(kind, str) or kind not in self.index:
            raise _Stop(f"line {number}: unknown kind of record {kind!r}.")
        position = self.index[kind]
        if position < self.position:
            raise _Stop(f"line {number}: a {kind} record after the "
                        f"{self.types[self.position].name} records (the format keeps each "
                        "kind together, in its order).")
        record_type = self.types[position]
        if position != self.position:
            self.flush()
            self.position = position
        if kind == "site" and self.seen["site"]:
            raise _Stop(f"line {number}: a second site record; an export holds one site.")
        if kind != "site" and not self.seen["site"]:
            raise _Stop(f"line {number}: the site record must come first.")
        try:
            row = self.build(record_type, record)
        except ValueError as exc:
            raise _Stop(f"line {number}: {kind} {record.get('id', '')}: {exc}.".replace(
                "  ", " ")) from None
        self.seen[kind] += 1
        if row is None:
            return
        self.pending_lines.append(number)
        self.pending.append(row)
        self.pending_type = record_type
        if len(self.pending) >= BATCH:
            self.flush()

    def build(self, record_type: RecordType, record: dict[str, Any]) -> models.Model | None:
        from belowtheline.accounts.models import User
        from belowtheline.discussion.models import Article, Comment
        from belowtheline.sites.models import Site

        values: dict[str, object] = {}
        for f in record_type.fields:
            key = key_of(f)
            if key not in record:
                if f.primary_key or (f.is_relation and not f.null):
                    raise ValueError(f"has no {key!r}")
                if record_type.name == "user" and f.name == "password":
                    values[f.attname] = make_password(None)
                    continue
                if f.has_default() or f.null:
                    values[f.attname] = f.get_default()
                    continue
                raise ValueError(f"has no {key!r}")
            value = record[key]
            if f.is_relation:
                if value is None:
                    if not f.null:
                        raise ValueError(f"{key!r} may not be null")
                    values[f.attname] = None
                    continue
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"{key!r} must be an id")
                values[f.attname] = self.ids.new(f.related_model, value, what=key)
                continue
            try:
                decoded = decode_value(f, value)
            except ValueError as exc:
                raise ValueError(f"{key!r} {exc}") from None
            if f.primary_key:
                if isinstance(decoded, bool) or not isinstance(decoded, int):
                    raise ValueError("'id' must be a whole number")
                if record_type.name == "site":
                    self.ids.exported_site_id = decoded
                    decoded = self.existing_site.pk if self.existing_site is not None \
                        else decoded + self.ids.offsets.get(Site, 0)
                    self.ids.site_id = decoded
                else:
                    decoded = self.ids.new(record_type.model, decoded, what="id")
            values[f.attname] = decoded
        model = record_type.model
        if model is Site:
            return self.site(values)
        if model is User:
            values["is_superuser"] = False
            self.summary.authors_created += 1
        elif model is Article:
            self.summary.articles_created += 1
        elif model is Comment:
            self.summary.comments_imported[str(values["status"])] += 1
        if record_type.name == "notification" and self.link_rewrite:
            values["link"] = self.moved_link(str(values["link"]))
        self.summary.records[record_type.name] += 1
        return model(**values)

    def site(self, values: dict[str, object]) -> models.Model | None:
        from belowtheline.sites.models import Site

        values["slug"] = self.site_slug
        self.summary.site = self.site_slug
        self.summary.records["site"] += 1
        from belowtheline.discussion.models import Article, Comment

        self.link_rewrite = self.exported_slug != self.site_slug or bool(
            self.ids.offsets.get(Article) or self.ids.offsets.get(Comment))
        if self.existing_site is None:
            values["config_version"] = 0
            return Site(**values)
        # The site made to restore into takes the export's settings, and loses the
        # schedule and thresholds it was given by default, which the export's replace.
        site_id = self.existing_site.pk
        values.pop("id", None)
        values.pop("created_at", None)
        Site.objects.filter(pk=site_id).update(**values)
        _drop_default_settings(site_id)
        return None

    def rename_taken(self, rows: list[models.Model]) -> None:
        """Usernames already taken in this install get a suffix: one query a batch."""
        from belowtheline.accounts.models import User

        names = [row.username for row in rows]  # type: ignore[attr-defined]
        taken = set(User.objects.filter(username__in=names).values_list("username",
                                                                         flat=True))
        limit = User._meta.get_field("username").max_length or 150
        for row in rows:
            username = row.username  # type: ignore[attr-defined]
            if username not in taken:
                continue
            n = 1
            while True:
                suffix = "-restored" if n == 1 else f"-restored{n}"
                candidate = username[:limit - len(suffix)] + suffix
                if candidate not in taken and not User.objects.filter(
                        username=candidate).exists():
                    break
                n += 1
            taken.add(candidate)
            row.username = candidate  # type: ignore[attr-defined]
            self.summary.renamed.append((username, candidate))

    def moved_link(self, link: str) -> str:
        """A notification's link names the thread and the comment by id and the site by
        slug: they follow the records when those moved."""
        from belowtheline.discussion.models import Article, Comment

        link = link.replace(f"/sites/{self.exported_slug}/", f"/sites/{self.site_slug}/", 1)

        def article(match: re.Match[str]) -> str:
            return f"/{match[1]}/{int(match[2]) + self.ids.offsets.get(Article, 0)}/"

        def comment(match: re.Match[str]) -> str:
            return f"#comment-{int(match[1]) + self.ids.offsets.get(Comment, 0)}"

        link = re.sub(r"/(articles|threads)/(\d+)/", article, link, count=1)
        return re.sub(r"#comment-(\d+)$", comment, link)

    def flush(self) -> None:
        if not self.pending or self.pending_type is None:
            return
        rows, record_type, numbers = self.pending, self.pending_type, self.pending_lines
        self.pending, self.pending_lines = [], []
        if record_type.name == "user":
            self.rename_taken(rows)
        try:
            with transaction.atomic():
                _insert_as_they_were(record_type.model, rows)
        except IntegrityError:
            self.find_refused(record_type, rows, numbers)
        self.progress.advance(len(rows))

    def find_refused(self, record_type: RecordType, rows: list[models.Model],
                     numbers: list[int]) -> None:
        """A batch the database refused: the record it refused, one at a time, so that the
        message can name its line."""
        for row, number in zip(rows, numbers, strict=True):
            try:
                with transaction.atomic():
                    _insert_as_they_were(record_type.model, [row])
            except IntegrityError as exc:
                raise _Stop(f"line {number}: the database refuses this {record_type.name} "
                            f"record ({_first_line(exc)}): a duplicate id or a value against "
                            "its rules.") from None
        raise _Stop(f"lines {numbers[0]}–{numbers[-1]}: the database refuses these "
                    f"{record_type.name} records together (a duplicate among them).")

    def finish(self) -> None:
        if not self.ended:
            raise _Stop("the file ends before its end line: it was cut short. Export it "
                        "again.")
        for name, figures in self.counts.items():
            if (figures.get("count") or 0) != self.seen[name]:
                raise _Stop(f"the header counts {figures.get('count')} {name} records, the "
                            f"file holds {self.seen[name]:,}.")
        for name in self.seen:
            if name not in self.counts:
                raise _Stop(f"the file holds {name} records its header does not count.")
        self.check_references()
        _announce(self.ids.site_id)

    def check_references(self) -> None:
        """Every reference names a record the file holds: checked now, with a message, not
        left to the foreign keys at commit (SQLite's says only "constraint failed")."""
        site_id = self.ids.site_id
        for record_type in self.types:
            for f in record_type.fields:
                if not f.is_relation or f.primary_key:
                    continue
                target = f.related_model
                rows = record_type.rows(site_id).exclude(**{f"{f.attname}__isnull": True})
                dangling = rows.exclude(**{f"{f.attname}__in": target._base_manager.values(
                    "pk")}).values_list(f.attname, flat=True)[:1]
                for missing in dangling:
                    offset = self.ids.offsets.get(target, 0)
                    raise _Stop(f"a {record_type.name} record names {f.name} "
                                f"{missing - offset}, which the file does not hold.")


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _data_held(site_id: int) -> str:
    """What a site holds that a restore would have to merge with, in words ("" if none)."""
    from belowtheline.accounts.models import (
        DataRightsRecord,
        ExternalIdentity,
        Notification,
        Subscription,
    )
    from belowtheline.discussion.models import Article, Comment, RulesVersion
    from belowtheline.moderation.models import AuditEntry, ModeratorNote, Sanction

    for model, words in [(Comment, "comments"), (Article, "articles"),
                         (AuditEntry, "an audit trail"), (RulesVersion, "rules"),
                         (Subscription, "subscriptions"), (ExternalIdentity, "readers"),
                         (Sanction, "sanctions"), (ModeratorNote, "moderator notes"),
                         (Notification, "notifications"),
                         (DataRightsRecord, "data-rights records")]:
        if model._base_manager.filter(site_id=site_id).exists():
            return words
    return ""


def _drop_default_settings(site_id: int) -> None:
    from belowtheline.integrations.models import WebhookEndpoint
    from belowtheline.sites.models import CoverException, CoverPeriod
    from belowtheline.triage.models import SiteWord, TriageSettings, TriageThreshold

    TriageThreshold.objects.filter(site_settings_id=site_id).delete()
    for model in (CoverPeriod, CoverException, SiteWord, TriageSettings, WebhookEndpoint):
        model._base_manager.filter(site_id=site_id).delete()


def _announce(site_id: int) -> None:
    """Every cache keyed by the site's versions must miss: the threads', the site's
    settings' and the queue's versions jump (as after `btl restore`: past any number a
    cache of this install could hold for these ids), and this process drops its copies."""
    from belowtheline.discussion import thread_cache
    from belowtheline.discussion.models import Article, QueueVersion
    from belowtheline.discussion.reports import queue_changed
    from belowtheline.sites.config_cache import config_changed
    from belowtheline.sites.models import Site

    Article.objects.filter(site_id=site_id).update(
        thread_version=F("thread_version") + VERSION_JUMP)
    Site.objects.filter(pk=site_id).update(config_version=F("config_version") + VERSION_JUMP)
    config_changed(site_id=site_id)
    queue_changed(site_id=site_id)
    QueueVersion.objects.filter(site_id=site_id).update(version=F("version") + VERSION_JUMP)
    transaction.on_commit(lambda: thread_cache.forget_site(site_id=site_id))

    def forget_queue() -> None:
        from belowtheline.moderation import queue_cache

        queue_cache.clear()

    transaction.on_commit(forget_queue)


# --- the entry point ----------------------------------------------------------------------

def import_site(path: Path, *, site_slug: str, progress: Progress) -> ImportSummary:
    """Restore the export at `path` as the site `site_slug`, all or nothing.

    Raises ImportRefused (with the line, where there is one) for a file that cannot be
    restored exactly, and for a site that already holds data; nothing is written then."""
    if not SLUG.match(site_slug):
        raise ImportRefused("bad_slug", f"{site_slug!r} is not a site slug (lower-case "
                            "letters, digits and -, up to 40).")
    summary = RestoreSummary(site=site_slug)
    try:
        with _opened(path) as stream, transaction.atomic():
            lines = _lines(stream)
            first = next(lines, None)
            if first is None:
                raise _Stop("the file is empty.")
            header = _parse(*first)
            counts = _header(first[0], header)
            progress.total = sum(int(c.get("count") or 0) for c in counts.values())
            progress.unit = "records"
            restorer = _Restorer(site_slug=site_slug, counts=counts, progress=progress,
                                 summary=summary)
            restorer.prepare(str(header.get("site") or ""))
            for number, line in lines:
                restorer.take(number, _parse(number, line))
            restorer.finish()
            record_restore(site_id=restorer.ids.site_id, site_slug=site_slug,
                           records=sum(restorer.seen.values()), file_name=path.name[:300])
    except _Stop as stop:
        raise ImportRefused("bad_export", str(stop)) from None
    except IntegrityError as exc:
        raise ImportRefused("bad_export", f"the file's records do not hold together "
                            f"({_first_line(exc)}).") from None
    except DatabaseError as exc:
        raise ImportRefused("database_error", f"the database refused the restore "
                            f"({_first_line(exc)}); try again.") from None
    except (ImportRefused, KeyboardInterrupt):
        raise
    except Exception as exc:
        # An operator gets a sentence, not a traceback; the traceback goes to the log,
        # for the bug report. Nothing was committed either way.
        log.exception("btl import btl %s stopped on an unexpected error", path)
        raise ImportRefused("restore_failed", "the restore stopped on an unexpected error "
                            f"({type(exc).__name__}: {_first_line(exc)}); the log has the "
                            "details.") from None
    return summary
