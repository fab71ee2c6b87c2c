"""What the background worker spends on one scoring job, in-process.

    .venv/bin/python bench/score_worker.py [JOBS] [--backlog N] [--index N] [--both]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/workertest \
        .venv/bin/python bench/score_worker.py 200 --backlog 3000 --index 5000 --both

Builds `make faults`' data set (bench/dataset.py, 20,000 comments on 203 articles) into the
configured database once (a SQLite file under SCORE_DIR, default /tmp/btl-score-worker,
when DATABASE_URL is not set), loads the models, then:

1. scores JOBS comments by calling `triage.services.score_comment` in a loop (scoring
   alone: the encoder, the near-duplicate lookup, the writes, `act_on_scores`);
2. queues `--backlog` catch-up scoring jobs plus JOBS at the default priority, as the drill
   leaves the queue, and runs django-tasks-db's worker (as `btl worker` does) for JOBS of
   them: the difference is the queue's own cost per task (claiming, its row lock, the
   status writes). `--both` runs it first with Django's default connection handling
   (closed and reopened around every task), then as `belowtheline.worker.TaskLoop` keeps it.

`--index N` first gives N of the bulk comments their near-duplicate fingerprints, as the
catch-up leaves the index (the bulk comments are near-copies of each other, so the lookup
finds all N: a spam wave that size).

Prints for each: ms per task (p50, p99, mean, CPU), SQL statements per task, and the top of
cProfile's profile in CPU time (the machine is shared: waiting is not what the code costs).
"""

from __future__ import annotations

import collections
import cProfile
import os
import pstats
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if not os.environ.get("DATABASE_URL"):
    os.environ["BTL_VAR_DIR"] = os.environ.get("SCORE_DIR", "/tmp/btl-score-worker")
    Path(os.environ["BTL_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "belowtheline.settings")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as the target says

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def world() -> list[int]:
    """The data set's bulk comments (not the measured threads'), oldest first."""
    from belowtheline.discussion.models import Comment
    from belowtheline.sites.models import Site
    from bench import dataset

    call_command("migrate", verbosity=0)
    if not Site.objects.filter(slug=dataset.SLUG).exists():
        began = time.monotonic()
        dataset.build(spec=dataset.Spec(total_comments=20_000, open_reports=500,
                                        other_articles=200, authors=300, token_subscribers=200),
                      origin="http://127.0.0.1:8000", log=lambda m: None)
        print(f"built the data set in {time.monotonic() - began:.0f} s")
    return list(Comment.objects.filter(site__slug=dataset.SLUG, parent__isnull=True)
                .exclude(article__canonical_url__contains="/thread-")
                .order_by("pk").values_list("pk", flat=True))


def report(title: str, times: list[float], cpu: float, queries: int, n: int,
           profile: cProfile.Profile, top: int) -> None:
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else 0.0
    print(f"\n== {title}: {n} tasks")
    if times:
        print(f"  ms per task: p50 {statistics.median(times) * 1000:.1f}, p99 {p99 * 1000:.1f}, "
              f"mean {statistics.mean(times) * 1000:.1f}")
    print(f"  CPU ms per task {cpu / n * 1000:.1f}, SQL statements per task {queries / n:.1f}")
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(top)


def score_directly(ids: list[int], top: int) -> None:
    from belowtheline.triage import services

    profile, times = cProfile.Profile(), []
    cpu0 = time.process_time()
    with CaptureQueriesContext(connection) as queries:
        for comment_id in ids:
            began = time.perf_counter()
            profile.enable()
            services.score_comment(comment_id=comment_id, again=True)
            profile.disable()
            times.append(time.perf_counter() - began)
    report("services.score_comment in a loop", times, time.process_time() - cpu0,
           len(queries), len(ids), profile, top)


def fill_the_index(ids: list[int]) -> None:
    """Fingerprints for `ids`, as the catch-up leaves them once it has scored those: the
    data set's comments are near-copies of each other ("Comment N words words ..."), so
    each scoring job then finds all of them, as a spam wave of that size would."""
    from belowtheline.discussion.models import Comment
    from belowtheline.triage import spam
    from belowtheline.triage.models import Fingerprint, FingerprintBand

    Fingerprint.objects.filter(pk__in=ids).delete()
    prints, bands = [], []
    for c in Comment.objects.filter(pk__in=ids).only(
            "pk", "site_id", "article_id", "author_id", "text", "created_at"):
        sig = spam.signature(c.text)
        if sig is None:
            continue
        prints.append(Fingerprint(comment_id=c.pk, site_id=c.site_id, article_id=c.article_id,
                                  author_id=c.author_id, signature=spam.to_bytes(sig),
                                  created_at=c.created_at))
        bands += [FingerprintBand(fingerprint_id=c.pk, site_id=c.site_id, band=b,
                                  created_at=c.created_at) for b in spam.band_keys(sig)]
    Fingerprint.objects.bulk_create(prints, batch_size=1000)
    FingerprintBand.objects.bulk_create(bands, batch_size=2000)
    print(f"near-duplicate index: {Fingerprint.objects.count()} fingerprints")


def through_the_queue(ids: list[int], backlog: list[int], top: int, *,
                      keep_connection: bool) -> None:
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from belowtheline import worker as loop
    from belowtheline.triage import services
    from belowtheline.triage.tasks import score_comment

    connection.close()  # the next one opened as the chosen way says
    if keep_connection:  # as `belowtheline.worker.TaskLoop` runs it
        getattr(loop, "_loop_threads", set()).add(threading.get_ident())
    else:
        getattr(loop, "_loop_threads", set()).discard(threading.get_ident())

    DBTaskResult.objects.filter(task_path=score_comment.module_path).delete()
    for comment_id in backlog:
        services.queue_scoring(comment_id, catching_up=True)
    for comment_id in ids:
        services.queue_scoring(comment_id)
    print(f"\nqueued {len(backlog)} catch-up jobs and {len(ids)} at the default priority")
    # The jobs re-score comments scored in step 1: `again` is what makes them do the work.
    from belowtheline.triage.models import CommentScore
    CommentScore.objects.filter(comment_id__in=ids).delete()
    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=len(ids), worker_id="bench-score-worker",
                    excluded_queue_names=[])
    profile = cProfile.Profile()
    cpu0, began = time.process_time(), time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        profile.enable()
        worker.run()
        profile.disable()
    wall = time.perf_counter() - began
    done = DBTaskResult.objects.filter(task_path=score_comment.module_path,
                                       status="SUCCESSFUL").count()
    failed = DBTaskResult.objects.filter(task_path=score_comment.module_path,
                                         status="FAILED").count()
    print(f"  {done} done, {failed} failed in {wall:.1f} s: {done / wall:.1f} tasks/s, "
          f"{wall / max(done, 1) * 1000:.1f} ms per task wall")
    how = "kept between tasks (TaskLoop)" if keep_connection else "reopened for each task"
    report(f"django-tasks-db worker (batch), connection {how}", [],
           time.process_time() - cpu0, len(queries), max(done, 1), profile, top)
    DBTaskResult.objects.filter(task_path=score_comment.module_path).delete()


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    jobs = int(args[0]) if args else 300
    backlog = int(sys.argv[sys.argv.index("--backlog") + 1]) if "--backlog" in sys.argv else 5000
    top = int(os.environ.get("SCORE_TOP", "25"))
    ids = world()
    connection.queries_log = collections.deque(maxlen=10_000_000)  # counted, not capped
    print(f"{connection.vendor}: {len(ids)} bulk first-in-thread comments")
    from belowtheline.triage import services

    began = time.perf_counter()
    services.score_comment(comment_id=ids[0], again=True)  # loads the models
    print(f"first comment (model load): {time.perf_counter() - began:.1f} s")
    reset_queries()
    step = max(1, len(ids) // (jobs * 2))
    sample = ids[1::step][:jobs]
    if "--index" in sys.argv:
        fill_the_index(ids[:int(sys.argv[sys.argv.index("--index") + 1])])
    score_directly(sample, top)
    chosen = set(sample)
    others = [i for i in ids if i not in chosen][-backlog:]
    queued = ids[len(ids) // 2:][::max(1, step // 2)]
    ways = [False, True] if "--both" in sys.argv else [True]
    for n, keep in enumerate(ways):
        through_the_queue(queued[n * jobs:(n + 1) * jobs], others, top, keep_connection=keep)


if __name__ == "__main__":
    main()
