"""Does `btl export` / `btl import btl` stay flat in memory as a site grows?

Builds a site of N comments (with authors, recommendations, reports and audit entries in
real proportions) in a scratch SQLite install for each size, exports it with `btl export`
and restores it with `btl import btl` into a second, empty install, each in its own
process, and prints each process's peak resident memory and time. Memory that grows with
N means something is held per record; flat means streaming. Run it under the bench lock:

    flock /tmp/btl-bench.lock .venv/bin/python bench/export_memory.py 10000 100000
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BTL = str(ROOT / ".venv" / "bin" / "btl")

BUILD = r"""
import datetime as dt, random, sys
import django
django.setup()
from django.db import transaction
from belowtheline.accounts.models import Subscription, User
from belowtheline.discussion.models import Article, Comment, Recommendation, Report
from belowtheline.moderation.models import AuditEntry
from belowtheline.sites.models import Site

n = int(sys.argv[1])
rng = random.Random(7)
start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
with transaction.atomic():
    site = Site.objects.create(slug="big", name="The Big Paper")
    users = User.objects.bulk_create(
        [User(username=f"reader{i}", email=f"reader{i}@example.org", display_name=f"Reader {i}",
              password="!") for i in range(max(10, n // 20))], batch_size=2000)
    Subscription.objects.bulk_create([Subscription(site=site, user=u) for u in users],
                                     batch_size=2000)
    articles = Article.objects.bulk_create(
        [Article(site=site, canonical_url=f"https://big.example/{i}", title=f"Story {i}",
                 published_at=start) for i in range(max(1, n // 200))], batch_size=2000)
    words = ("council bridge budget late again who pays for this every year the same "
             "story nobody listens ").split()
    roots = []
    batch = []
    for i in range(n):
        article = articles[i % len(articles)]
        parent = rng.choice(roots) if roots and rng.random() < 0.5 else None
        if parent is not None and parent.article_id != article.pk:
            parent = None
        text = " ".join(rng.choice(words) for _ in range(rng.randint(20, 120)))
        c = Comment(site=site, article=article, author=rng.choice(users), text=text,
                    created_at=start + dt.timedelta(seconds=i), parent=parent,
                    thread_root=(parent.thread_root or parent) if parent else None)
        batch.append(c)
        if len(batch) == 2000:
            Comment.objects.bulk_create(batch)
            roots += [c for c in batch if c.parent is None][:200]
            batch = []
    Comment.objects.bulk_create(batch)
    comments = list(Comment.objects.filter(site=site).values_list("pk", "author_id")[: n // 5])
    Recommendation.objects.bulk_create(
        [Recommendation(site=site, comment_id=pk, user=users[(a + 1) % len(users)],
                        created_at=start) for pk, a in comments], batch_size=2000,
        ignore_conflicts=True)
    Report.objects.bulk_create(
        [Report(site=site, comment_id=pk, reporter=users[(a + 2) % len(users)],
                reason="abusive", created_at=start) for pk, a in comments[: n // 50]],
        batch_size=2000, ignore_conflicts=True)
    AuditEntry.objects.bulk_create(
        [AuditEntry(site=site, created_at=start, actor=users[0], actor_name="mod",
                    action="remove", comment_id=pk, cover="full_time",
                    text_before="x" * 200) for pk, _ in comments[: n // 100]],
        batch_size=2000)
print(Comment.objects.count())
"""


def run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command in its own process; its peak RSS (MB) and wall time (s)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    # A fresh child per measurement: RUSAGE_CHILDREN's maxrss is the largest child so far,
    # so measure through a wrapper that reports its own child's peak.
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", wrapper, *args], env=env, check=True,
                         capture_output=True, text=True)
    del before
    peak_kb = int(out.stdout.strip().splitlines()[-1])
    return peak_kb / 1024, time.monotonic() - started


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    print(f"{'comments':>10} {'file MB':>8} {'export MB':>10} {'export s':>9} "
          f"{'restore MB':>11} {'restore s':>10}")
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix="btl-export-bench-"))
        try:
            source = {**os.environ, "BTL_VAR_DIR": str(work / "source"),
                      "DJANGO_SETTINGS_MODULE": "belowtheline.settings"}
            target = {**source, "BTL_VAR_DIR": str(work / "target")}
            for env in (source, target):
                env.pop("DATABASE_URL", None)
                subprocess.run([BTL, "migrate", "-v0"], env=env, check=True)
            subprocess.run([sys.executable, "-c", BUILD, str(n)], env=source, check=True,
                           capture_output=True)
            path = work / "big.jsonl.gz"
            export_mb, export_s = run([BTL, "export", "--site", "big", str(path),
                                       "--no-progress"], source)
            restore_mb, restore_s = run([BTL, "import", "btl", str(path), "--site", "big",
                                         "--no-progress"], target)
            print(f"{n:>10,} {path.stat().st_size / 1e6:>8.1f} {export_mb:>10.0f} "
                  f"{export_s:>9.1f} {restore_mb:>11.0f} {restore_s:>10.1f}", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
