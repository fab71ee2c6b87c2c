"""The benchmark's data set, built with bulk inserts in seconds rather than hours.

One site ("bench") with published rules, the default cover schedule and an HS256 token
secret in the demo's style; a hot article of 3,000 comments (a third of them replies),
threads of 300 and 30 for the "flat in thread size" case, 20,000 other articles carrying
the rest of the comments, open reports spread over those other articles' comments, token
subscribers known in advance (so that their reads write nothing), and a moderator.

Comments and reports go in through COPY on PostgreSQL and executemany on SQLite, column
lists taken from the models, so that fields added by other work (the queue's denormalised
counts) get their model defaults; the queue's own `recount_open_reports(site=)` is then
called, when it exists, exactly as an operator's bulk import would.

Used by bench/run.py after django.setup(); nothing here is imported by the app.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.test import Client

from belowtheline.accounts.models import (
    ExternalIdentity,
    StaffRole,
    Subscription,
    User,
)
from belowtheline.discussion.models import (
    Article,
    Comment,
    Report,
    Rule,
    RulesAcceptance,
    RulesVersion,
)
from belowtheline.sites.models import Site
from belowtheline.sites.services import seed_default_cover
from bench.shape import author_name, comment_text, thread_shape

SLUG = "bench"
# The demo's secret (belowtheline/demo/content.py): a publisher would sign with its own.
SSO_SECRET = "demo-sso-secret-change-me-in-production"
THREAD_SIZES = (3000, 300, 30)


@dataclass(frozen=True)
class Spec:
    """How big the data set is; PostgreSQL gets the issue's full size, SQLite a tenth."""

    total_comments: int
    open_reports: int
    other_articles: int = 20_000
    authors: int = 2_000
    token_subscribers: int = 1_000

    @classmethod
    def for_engine(cls, vendor: str, scale: float = 1.0) -> Spec:
        """scale < 1 (BENCH_SCALE) shrinks the bulk for trying the benchmark out quickly;
        the three measured threads keep their sizes."""
        comments, reports = (1_000_000, 100_000) if vendor == "postgresql" else (100_000, 10_000)
        others = max(100, int(20_000 * scale))
        return cls(total_comments=max(int(comments * scale), 3330 + others),
                   open_reports=int(reports * scale), other_articles=others)


@dataclass
class BenchData:
    """What the benchmark needs to know about what was built (saved as JSON)."""

    slug: str
    vendor: str
    spec: dict[str, int]
    threads: dict[str, int]  # "3000" -> article id
    other_first: int
    other_last: int
    other_urls: list[str]
    tokens: list[str]
    moderator_session: str
    session_cookie_name: str
    comments: int
    open_reports: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- bulk insert -----------------------------------------------------------------------------


def _field_default(f: models.Field, now: datetime) -> Any:
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return now
    return f.get_default()


@contextlib.contextmanager
def _foreign_key_checks_off() -> Iterator[None]:
    """Load as a restore would: the rows are consistent by construction, and checking a
    million rows' five foreign keys one by one would take minutes (row triggers on
    PostgreSQL, PRAGMA foreign_keys on SQLite)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
    else:
        with connection.constraint_checks_disabled():
            yield


@contextlib.contextmanager
def _indexes_built_after(model: type[models.Model]) -> Iterator[None]:
    """On PostgreSQL, drop the table's plain indexes for the load and build them again
    after it: one sorted build per index instead of a million insertions into each.
    Indexes backing constraints (primary key, unique) stay."""
    if connection.vendor != "postgresql":
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
            "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)",
            [table])
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cursor.execute(definition)


def bulk_insert(model: type[models.Model], rows: Iterable[dict[str, Any]], *,
                now: datetime) -> int:
    """Insert rows (dicts keyed by attname, with explicit ids) as fast as the engine allows.

    Every concrete column is written: the ones a row leaves out get the model's default,
    so a field another engineer adds with a default needs no change here.
    """
    fields = [f for f in model._meta.concrete_fields]
    defaults = {f.attname: _field_default(f, now) for f in fields}
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    datetimes = {i for i, f in enumerate(fields) if isinstance(f, models.DateTimeField)}

    def tuples() -> Iterator[tuple[Any, ...]]:
        for row in rows:
            yield tuple(row[n] if n in row else defaults[n] for n in names)

    count = 0
    with _foreign_key_checks_off(), _indexes_built_after(model), transaction.atomic(), \
            connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in tuples():
                    copy.write_row(values)
                    count += 1
        else:
            adapt = connection.ops.adapt_datetimefield_value
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
            batch: list[tuple[Any, ...]] = []
            for values in tuples():
                if datetimes:
                    values = tuple(adapt(v) if i in datetimes else v
                                   for i, v in enumerate(values))
                batch.append(values)
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


def _next_id(model: type[models.Model]) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequences(*models_: type[models.Model]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# -- the build -------------------------------------------------------------------------------


def _comment_rows(*, site: Site, article_id: int, size: int, first_id: int,
                  authors: Sequence[int], start: datetime, step: timedelta,
                  seed: int) -> Iterator[dict[str, Any]]:
    for n, parent in enumerate(thread_shape(size, seed)):
        parent_id = None if parent is None else first_id + parent
        yield {
            "id": first_id + n,
            "site_id": site.pk,
            "article_id": article_id,
            "author_id": authors[(n + seed) % len(authors)],
            "parent_id": parent_id,
            "thread_root_id": parent_id,
            "text": comment_text(n),
            "status": Comment.Status.PUBLISHED,
            "created_at": start + step * n,
            "recommendation_count": (n * 7) % 5,
        }


def _recount_open_reports(site: Site) -> str | None:
    """The queue's own recount after a bulk load, wherever it lives (it may not exist yet)."""
    for module in ("belowtheline.discussion.reports", "belowtheline.moderation.services",
                   "belowtheline.moderation.selectors",
                   "belowtheline.discussion.services", "belowtheline.moderation.queue",
                   "belowtheline.moderation.reports"):
        try:
            recount = getattr(importlib.import_module(module), "recount_open_reports", None)
        except ImportError:
            continue
        if recount is not None:
            recount(site=site)
            return f"{module}.recount_open_reports(site=) run after the bulk load"
    return None


def build(*, spec: Spec, origin: str, log: Any = print) -> BenchData:
    """Build the whole data set into the (fresh, migrated) database the settings name."""
    began = time.monotonic()
    now = datetime.now(UTC).replace(microsecond=0)
    notes: list[str] = []

    site = Site.objects.create(
        slug=SLUG, name="The Bench Gazette", allowed_origins=origin,
        sso_algorithm=Site.SsoAlgorithm.HS256, sso_secret=SSO_SECRET,
    )
    seed_default_cover(site=site)
    rules = RulesVersion.objects.create(site=site, number=1, published_at=now - timedelta(days=30))
    Rule.objects.create(site=site, rules_version=rules, number=1, title="Be civil",
                        text="Argue with the idea, not the person.")

    # People: authors of the bulk comments (also the reporters), token subscribers known in
    # advance with exactly the claims their tokens carry, and one moderator.
    users = [User(username=f"bench-{i}", display_name=author_name(i), password="!")
             for i in range(spec.authors)]
    users += [User(username=f"{SLUG}:sub-{i}", display_name=f"Subscriber {i}", password="!")
              for i in range(spec.token_subscribers)]
    User.objects.bulk_create(users, batch_size=2000)
    authors = list(User.objects.filter(username__startswith="bench-")
                   .order_by("pk").values_list("pk", flat=True))
    subscribers = list(User.objects.filter(username__startswith=f"{SLUG}:sub-")
                       .order_by("pk").values_list("pk", "username"))
    Subscription.objects.bulk_create(
        [Subscription(site=site, user_id=pk, status=Subscription.Status.ACTIVE)
         for pk in [*authors, *(pk for pk, _ in subscribers)]], batch_size=2000)
    ExternalIdentity.objects.bulk_create(
        [ExternalIdentity(site=site, subject=name.split(":", 1)[1], user_id=pk,
                          created_at=now, last_seen_at=now) for pk, name in subscribers],
        batch_size=2000)
    RulesAcceptance.objects.bulk_create(
        [RulesAcceptance(site=site, rules_version=rules, user_id=pk, accepted_at=now)
         for pk, _ in subscribers], batch_size=2000)
    moderator = User.objects.create(username="bench-moderator", display_name="Moderator",
                                    password=make_password("bench-moderator"))
    StaffRole.objects.create(site=site, user=moderator, role=StaffRole.Role.MODERATOR)
    log(f"  site, rules, {len(users)} people: {time.monotonic() - began:.1f} s")

    # Articles: the three measured threads, then the others carrying the rest.
    others = spec.other_articles
    remaining = spec.total_comments - sum(THREAD_SIZES)
    per_other = [remaining // others + (1 if i < remaining % others else 0)
                 for i in range(others)]
    published = now - timedelta(days=1)
    measured = Article.objects.bulk_create(
        [Article(site=site, canonical_url=f"https://bench.example/thread-{size}",
                 title=f"A story with {size} comments", published_at=published,
                 comment_count=size) for size in THREAD_SIZES])
    other_articles = Article.objects.bulk_create(
        [Article(site=site, canonical_url=f"https://bench.example/story-{i}",
                 title=f"Story {i}", published_at=published - timedelta(minutes=i),
                 comment_count=per_other[i]) for i in range(others)], batch_size=5000)
    log(f"  {len(measured) + len(other_articles)} articles: {time.monotonic() - began:.1f} s")

    first = _next_id(Comment)

    def all_comments() -> Iterator[dict[str, Any]]:
        next_id = first
        for size, article in zip(THREAD_SIZES, measured, strict=True):
            yield from _comment_rows(site=site, article_id=article.pk, size=size,
                                     first_id=next_id, authors=authors,
                                     start=now - timedelta(hours=20),
                                     step=timedelta(hours=18) / size, seed=0)
            next_id += size
        for i, article in enumerate(other_articles):
            size = per_other[i]
            yield from _comment_rows(site=site, article_id=article.pk, size=size,
                                     first_id=next_id, authors=authors,
                                     start=now - timedelta(days=3, minutes=i),
                                     step=timedelta(minutes=3), seed=i)
            next_id += size

    comments = bulk_insert(Comment, all_comments(), now=now)
    log(f"  {comments:,} comments: {time.monotonic() - began:.1f} s")

    # Open reports: two each on comments of the other articles, by two different readers,
    # one in fifty for legal risk (those sort first in the queue).
    reported_first = first + sum(THREAD_SIZES)
    reported_span = comments - sum(THREAD_SIZES)
    wanted = spec.open_reports
    stride = max(1, reported_span // max(1, wanted // 2))
    reasons = ["abusive", "off_topic", "spam", "other"]

    report_id = _next_id(Report)  # not inside the generator: no query while COPY runs

    def all_reports() -> Iterator[dict[str, Any]]:
        for k in range(wanted):
            pair, second = divmod(k, 2)
            comment_id = reported_first + (pair * stride) % reported_span
            yield {
                "id": report_id + k,
                "site_id": site.pk,
                "comment_id": comment_id,
                "reporter_id": authors[(pair * 2 + second) % len(authors)],
                "reason": "legal_risk" if k % 50 == 0 else reasons[k % len(reasons)],
                "note": "",
                "status": Report.Status.OPEN,
                "created_at": now - timedelta(minutes=(k * 13) % (3 * 24 * 60)),
            }

    reports = bulk_insert(Report, all_reports(), now=now)
    _reset_sequences(Comment, Report)
    log(f"  {reports:,} open reports: {time.monotonic() - began:.1f} s")
    recounted = _recount_open_reports(site)
    log(f"  recount_open_reports: {time.monotonic() - began:.1f} s")
    notes.append(recounted or "no recount_open_reports() on main yet: reports loaded as rows only")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does a minute after a bulk load
        notes.append("PostgreSQL ANALYZE after the load (autovacuum would do it within a minute)")
    else:
        notes.append("SQLite left as loaded (no ANALYZE by the benchmark)")
    log(f"  recount/analyze: {time.monotonic() - began:.1f} s")

    client = Client()
    client.force_login(moderator)
    from django.conf import settings

    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    issued = int(time.time())
    tokens = [jwt.encode({"sub": name.split(":", 1)[1], "name": f"Subscriber {i}",
                          "subscriber": True, "aud": SLUG, "iat": issued,
                          "exp": issued + 6 * 3600}, SSO_SECRET, algorithm="HS256")
              for i, (_, name) in enumerate(subscribers)]
    return BenchData(
        slug=SLUG, vendor=connection.vendor, spec=asdict(spec),
        threads={str(size): a.pk for size, a in zip(THREAD_SIZES, measured, strict=True)},
        other_first=other_articles[0].pk, other_last=other_articles[-1].pk,
        other_urls=[a.canonical_url for a in other_articles[:30]],
        tokens=tokens, moderator_session=session,
        session_cookie_name=settings.SESSION_COOKIE_NAME,
        comments=comments, open_reports=reports, seconds=time.monotonic() - began,
        notes=notes,
    )


def posted_check(*, article_id: int, marker: str, acked_ids: list[int]) -> dict[str, int]:
    """Every acknowledged comment stored exactly once: compare what the clients were told
    (ids from 2xx answers) with the rows carrying this run's marker."""
    rows = list(Comment.objects.filter(article_id=article_id, text__startswith=marker)
                .values_list("pk", "text"))
    stored = {pk for pk, _ in rows}
    texts = [text for _, text in rows]
    acked = set(acked_ids)
    return {
        "acked": len(acked_ids),
        "acked_distinct": len(acked),
        "stored": len(rows),
        "lost": len(acked - stored),
        "duplicate_texts": len(texts) - len(set(texts)),
        "stored_not_acked": len(stored - acked),
    }
