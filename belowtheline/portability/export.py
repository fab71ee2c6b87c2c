"""Writing a site's export: one header line, its records a line each, an end line.

The export reads one consistent snapshot of the database (a read transaction on SQLite,
REPEATABLE READ on PostgreSQL), so a comment posted while it runs is either in the file
with everything it refers to or not in it at all, and the header's counts are the file's.
It streams: rows are read in chunks and written as they come, so memory stays flat
whatever the site's size, and the admin's download starts at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import os
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction

from belowtheline import clock
from belowtheline.imports.progress import Progress
from belowtheline.portability.format import (
    FORMAT_NAME,
    FORMAT_VERSION,
    RecordType,
    dumps,
    encode_value,
    key_of,
    record_types,
)
from belowtheline.sites.models import Site

CHUNK = 2000


@dataclass(frozen=True)
class ExportSummary:
    path: Path | None
    records: dict[str, int]
    size: int

    @property
    def total(self) -> int:
        return sum(self.records.values())


@contextlib.contextmanager
def read_snapshot() -> Iterator[None]:
    """Every query inside sees the database as it was at the first one.

    SQLite: a deferred read transaction opened by hand, because the install's transactions
    are IMMEDIATE (they take the write lock at once) and an export holding the write lock
    for minutes would stop every post; in WAL mode a reader blocks no writer. PostgreSQL:
    a REPEATABLE READ, READ ONLY transaction. Inside an existing transaction (a test, a
    caller's) the snapshot is that transaction's."""
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _columns(record_type: RecordType, *, password_hashes: bool) -> list[models.Field[Any, Any]]:
    return [f for f in record_type.fields
            if password_hashes or not (record_type.name == "user" and f.name == "password")]


def export_lines(site: Site, *, password_hashes: bool = False,
                 progress: Progress | None = None) -> Iterator[bytes]:
    """The export of `site`, line by line (each ends with a newline), read from one
    snapshot. Runs its queries as it is iterated: a caller streaming it to a client keeps
    the connection until the last line."""
    with read_snapshot():
        counts: dict[str, dict[str, int | None]] = {}
        for record_type in record_types():
            rows = record_type.rows(site.pk)
            pk = record_type.model._meta.pk.attname
            figures = rows.aggregate(count=models.Count(pk), min_id=models.Min(pk),
                                     max_id=models.Max(pk))
            counts[record_type.name] = figures
        total = sum(int(c["count"] or 0) for c in counts.values())
        if progress is not None:
            progress.total = total
        yield dumps({
            "type": "header",
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "site": site.slug,
            "exported_at": clock.now().astimezone(dt.UTC).isoformat(),
            "password_hashes": password_hashes,
            "records": counts,
        })
        written = 0
        for record_type in record_types():
            columns = _columns(record_type, password_hashes=password_hashes)
            names = [f.attname for f in columns]
            keys = [key_of(f) for f in columns]
            pk = record_type.model._meta.pk.attname
            rows = record_type.rows(site.pk).order_by(pk).values_list(*names)
            for row in rows.iterator(chunk_size=CHUNK):
                record: dict[str, object] = {"type": record_type.name}
                for f, key, value in zip(columns, keys, row, strict=True):
                    record[key] = encode_value(f, value)
                yield dumps(record)
                written += 1
                if progress is not None:
                    progress.advance()
        yield dumps({"type": "end", "records": written})


def gzipped(lines: Iterator[bytes], *, level: int = 6) -> Iterator[bytes]:
    """The same bytes as a gzip stream, in pieces of about 64 KB, for a download."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    pending: list[bytes] = []
    size = 0
    for line in lines:
        pending.append(line)
        size += len(line)
        if size >= 256 * 1024:
            out = compressor.compress(b"".join(pending))
            pending, size = [], 0
            if out:
                yield out
    yield compressor.compress(b"".join(pending)) + compressor.flush()


def default_name(site: Site) -> str:
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"btl-export-{site.slug}-{stamp}.jsonl.gz"


def write_export(site: Site, destination: Path, *, password_hashes: bool = False,
                 progress: Progress | None = None) -> ExportSummary:
    """Write the export to `destination`: gzip-compressed if its name ends in `.gz`.

    Written beside the destination and renamed into place, so an export cut short (a full
    disk, a kill) never leaves a file that looks complete; the file is readable by its
    owner only, since it holds readers' email addresses."""
    destination = destination.resolve()
    destination.parent.mkdir(parents=True, exist_ok=True)
    records: dict[str, int] = {}
    fd, partial_name = tempfile.mkstemp(dir=destination.parent, prefix=".btl-export-")
    partial = Path(partial_name)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as raw:
            out = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) \
                if destination.name.endswith(".gz") else raw
            try:
                for line in export_lines(site, password_hashes=password_hashes,
                                         progress=progress):
                    out.write(line)
                    kind = line[9:line.index(b'"', 9)] if line.startswith(b'{"type":"') \
                        else b""
                    if kind and kind not in (b"header", b"end"):
                        name = kind.decode()
                        records[name] = records.get(name, 0) + 1
            finally:
                if out is not raw:
                    out.close()
        partial.replace(destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return ExportSummary(destination, records, destination.stat().st_size)
