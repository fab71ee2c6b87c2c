"""Load and faults: mixed load against `btl serve` as production runs it, with the faults a
newsroom's night shift will meet, each printed as survived or not.

Run:  make faults                    # SQLite, then PostgreSQL + Redis; about 8 minutes
      FAULTS_QUICK=1 make faults     # short phases: about 3 minutes
      FAULTS_DB=sqlite make faults   # one engine (sqlite or postgresql)

Everything is on loopback and private to the run: PostgreSQL is a throwaway cluster
(`initdb` into var/faults/pg, port 5439) and Redis its own `redis-server` (port 6399), so
that stopping them disturbs nothing else on the machine; for the disk-full case SQLite's
directory is a small tmpfs (needs root to mount; skipped and said so otherwise).

The load is 95% thread reads (page and API), 4% posts with subscriber tokens and 1%
reports, from FAULTS_CONNECTIONS keep-alive connections (default 12) for as long as the
machine sustains. A post is retried the way a careful client does, with the same
`Idempotency-Key`, after a refused connection or a 503 (waiting what `Retry-After` says,
at most a second), so "acknowledged" means the client got its 201. The phases:

- steady load (FAULTS_STEADY seconds, default 60);
- PostgreSQL + Redis only: Redis stopped for 20 s and started again; PostgreSQL stopped
  for 10 s and started again;
- a web worker killed with `kill -9` while posts are in flight (granian starts another);
- the background worker (`btl worker`, its own process here) killed with `kill -9` while
  it waits on a webhook receiver that takes 3 s to answer; then started again;
- SQLite only: the disk holding the database filled up for 10 s, then freed.

Afterwards every acknowledged post is looked up by its unique text (stored exactly once?),
SQLite's `PRAGMA integrity_check` is run, and every `comment.created` webhook is checked
to have reached the receiver (which deduplicates by the delivery's id). The table is
printed and saved to var/faults/last-run.txt.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "faults"
VENV_BIN = ROOT / ".venv" / "bin"
PG_BIN = Path("/usr/lib/postgresql") / (
    sorted(os.listdir("/usr/lib/postgresql"))[-1] if Path("/usr/lib/postgresql").exists()
    else "15") / "bin"
PG_PORT, REDIS_PORT, WEB_PORT, HOOK_PORT = 5439, 6399, 8590, 8597
QUICK = os.environ.get("FAULTS_QUICK") == "1"
STEADY = float(os.environ.get("FAULTS_STEADY", "12" if QUICK else "60"))
REDIS_DOWN = 8.0 if QUICK else 20.0
PG_DOWN = 6.0 if QUICK else 10.0
SETTLE = 4.0 if QUICK else 10.0
CONNECTIONS = int(os.environ.get("FAULTS_CONNECTIONS", "12"))
# The load posts far faster than a newsroom's busiest hour: the worker (scoring every
# comment, delivering every webhook) falls behind during it and is given this long after.
DRAIN = float(os.environ.get("FAULTS_DRAIN", "600"))
SLUG = "bench"
REASONS = ["abusive", "off_topic", "spam", "other"]


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- the services the run owns ------------------------------------------------------------


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    def __init__(self) -> None:
        self.data = VAR / "pg"
        self.log = VAR / "logs" / "postgres.log"

    def init(self) -> None:
        if self.data.exists():
            shutil.rmtree(self.data)
        self.data.mkdir(parents=True)
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.touch()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(self.log, "postgres", "postgres")
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust",
                                     "-U", "postgres", "--no-sync"]),
                       check=True, capture_output=True)
        self.start()
        subprocess.run([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT),
                        "-U", "postgres", "btl_faults"], check=True)

    def start(self) -> None:
        subprocess.run(_as_postgres([
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
            "-o", f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k /tmp -c max_connections=200",
            "start"]), check=True, capture_output=True)

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                                     "-w", "stop"]), capture_output=True)


class PrivateRedis:
    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"],
                              capture_output=True).stdout.strip() == b"PONG":
                return
            time.sleep(0.1)
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Tmpfs:
    """SQLite's directory on a small filesystem of its own, so that it can be filled."""

    def __init__(self, path: Path, size_mb: int = 96) -> None:
        self.path, self.size_mb, self.mounted = path, size_mb, False

    def mount(self) -> str | None:
        self.path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            return "needs root to mount a tmpfs"
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m", "tmpfs",
                               str(self.path)], capture_output=True, text=True)
        if done.returncode != 0:
            return f"mount failed: {done.stderr.strip()}"
        self.mounted = True
        return None

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
            self.mounted = False


# -- the webhook receiver -------------------------------------------------------------------


class Receiver:
    """Records each delivery's id, as a receiver that deduplicates would."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}
        self.slow = 0.0
        self.waiting = threading.Event()  # set while a slow answer is being held back
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    delivery = int(json.loads(body)["id"])
                    if receiver.slow:
                        receiver.waiting.set()
                        time.sleep(receiver.slow)
                    with receiver.lock:
                        receiver.seen[delivery] = receiver.seen.get(delivery, 0) + 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", HOOK_PORT), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# -- the load -------------------------------------------------------------------------------


@dataclass
class Hit:
    at: float  # time.monotonic() when the answer came
    op: str  # read, post, report
    status: int  # 0: no answer (refused, reset, timed out)
    ms: float
    retry_after: bool = False
    json_code: str | None = None
    api: bool = False


@dataclass
class Load:
    base_port: int
    data: dict[str, Any]
    marker: str
    hits: list[Hit] = field(default_factory=list)
    acked: dict[str, int] = field(default_factory=dict)  # text -> comment id
    gave_up: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sequence: int = 0

    def start(self, connections: int) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._run, args=(i,), daemon=True)
                   for i in range(connections)]
        for thread in threads:
            thread.start()
        return threads

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.base_port, timeout=15)

    def _send(self, conn: http.client.HTTPConnection, op: str, method: str, path: str,
              body: bytes | None = None, headers: dict[str, str] | None = None
              ) -> tuple[http.client.HTTPConnection, int, bytes]:
        began = time.monotonic()
        status, payload, retry_after = 0, b"", False
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            payload = response.read()
            status = response.status
            retry_after = response.getheader("Retry-After") is not None
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = self._connection()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = self._connection()
        code = None
        api = path.startswith("/api/")
        if status >= 400 and api:
            with contextlib.suppress(ValueError, AttributeError, TypeError):
                code = json.loads(payload).get("code")
        hit = Hit(time.monotonic(), op, status, (time.monotonic() - began) * 1000,
                  retry_after, code, api)
        with self.lock:
            self.hits.append(hit)
        return conn, status, payload

    def _run(self, index: int) -> None:
        rng = random.Random(index)
        conn = self._connection()
        hot = self.data["hot"]
        tokens = self.data["tokens"]
        page = f"/sites/{SLUG}/threads/{hot}/"
        api = f"/api/v1/sites/{SLUG}/articles/{hot}/thread"
        while not self.stop.is_set():
            roll = rng.random()
            if roll < 0.95:
                conn, _, _ = self._send(conn, "read", "GET", page if roll < 0.6 else api)
            elif roll < 0.99:
                conn = self._post(conn, rng.choice(tokens))
            else:
                comment = rng.choice(self.data["reportable"])
                body = json.dumps({"reason": rng.choice(REASONS)}).encode()
                conn, _, _ = self._send(
                    conn, "report", "POST", f"/api/v1/sites/{SLUG}/comments/{comment}/reports",
                    body, {"Authorization": f"Bearer {rng.choice(tokens)}",
                           "Content-Type": "application/json"})

    def _post(self, conn: http.client.HTTPConnection, token: str) -> http.client.HTTPConnection:
        with self.lock:
            self.sequence += 1
            text = f"{self.marker} comment {self.sequence}: the council should publish the figures."
        body = json.dumps({"text": text}).encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   "Idempotency-Key": str(uuid.uuid4())}
        path = f"/api/v1/sites/{SLUG}/articles/{self.data['hot']}/comments"
        deadline = time.monotonic() + 60
        while True:
            conn, status, payload = self._send(conn, "post", "POST", path, body, headers)
            if status in (200, 201):
                with contextlib.suppress(ValueError, KeyError, TypeError), self.lock:
                    self.acked[text] = int(json.loads(payload)["id"])
                return conn
            if status in (0, 429, 502, 503, 504) and time.monotonic() < deadline:
                time.sleep(0.5 if status == 0 else 1.0)
                continue
            with self.lock:
                self.gave_up.append(f"{status} {payload[:120]!r}")
            return conn


# -- one engine's run -----------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    began: float
    ended: float = 0.0  # the fault is over (service back) or the phase's end
    closed: float = 0.0  # the phase's measurements end (after settling)
    skipped: str = ""
    notes: list[str] = field(default_factory=list)


def child_env(engine: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "BTL_CACHE_PREFIX")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "belowtheline.settings",
        "BTL_VAR_DIR": str(VAR / engine / "var"),
        "BTL_RATE_COMMENT": "1000000/60",
        "BTL_RATE_REPORT": "1000000/60",
        "BTL_WEBHOOK_ALLOW_PRIVATE": "1",
        "BTL_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
    })
    if engine == "postgresql":
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{PG_PORT}/btl_faults"
        env["REDIS_URL"] = f"redis://127.0.0.1:{REDIS_PORT}/0"
        env["BTL_CACHE_PREFIX"] = "faults"
    return env


def wait_for(port: int, path: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered 200 on :{port}{path}")


def web_workers(server: subprocess.Popen[bytes]) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def first_post_after(load: Load, moment: float) -> float | None:
    with load.lock:
        times = [h.at for h in load.hits if h.op == "post" and h.status in (200, 201)
                 and h.at >= moment]
    return (min(times) - moment) if times else None


def run_engine(engine: str, receiver: Receiver) -> dict[str, Any]:
    env = child_env(engine)
    var = VAR / engine / "var"
    pg, redis, disk = PrivatePostgres(), PrivateRedis(), Tmpfs(var)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = VAR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    phases: list[Phase] = []
    result: dict[str, Any] = {"engine": engine, "phases": phases}
    try:
        disk.unmount()
        if var.exists():
            shutil.rmtree(var)
        if engine == "sqlite":
            why = disk.mount()
            result["disk_skipped"] = why or ""
        else:
            var.mkdir(parents=True, exist_ok=True)
            log("starting a private PostgreSQL (port 5439) and Redis (port 6399)")
            pg.init()
            redis.start()
        log(f"{engine}: migrating and seeding")
        seed = VAR / f"{engine}-seed.json"
        subprocess.run([str(VENV_BIN / "python"), __file__, "seed", str(seed)], env=env,
                       check=True, cwd=ROOT)
        data = json.loads(seed.read_text())

        def start(name: str, command: list[str]) -> subprocess.Popen[bytes]:
            out = (logs / f"{engine}-{name}.log").open("ab")
            procs[name] = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out,
                                           stderr=subprocess.STDOUT, start_new_session=True)
            return procs[name]

        server = start("web", [str(VENV_BIN / "btl"), "serve", "--host", "127.0.0.1", "--port",
                               str(WEB_PORT)])
        start("worker", [str(VENV_BIN / "btl"), "worker"])
        wait_for(WEB_PORT, f"/sites/{SLUG}/threads/{data['hot']}/")
        load = Load(WEB_PORT, data, f"faults-{engine}-{uuid.uuid4().hex[:10]}")
        result["load"] = load
        clients = load.start(CONNECTIONS)
        began = time.monotonic()

        def phase(name: str) -> Phase:
            phases.append(Phase(name, time.monotonic()))
            log(f"{engine}: {name}")
            return phases[-1]

        def close(p: Phase, settle: float = SETTLE) -> None:
            if not p.ended:
                p.ended = time.monotonic()
            time.sleep(settle)
            p.closed = time.monotonic()

        steady = phase(f"steady load, {STEADY:.0f} s")
        time.sleep(STEADY)
        close(steady, 0)

        if engine == "postgresql":
            p = phase(f"Redis stopped for {REDIS_DOWN:.0f} s, then started")
            redis.stop()
            time.sleep(REDIS_DOWN)
            redis.start()
            close(p)
            p = phase(f"PostgreSQL stopped for {PG_DOWN:.0f} s, then started")
            pg.stop()
            time.sleep(PG_DOWN)
            pg.start()
            close(p)

        p = phase("a web worker killed (kill -9) mid-write")
        victims = web_workers(server)
        if victims:
            os.kill(victims[0], signal.SIGKILL)
            p.notes.append(f"killed pid {victims[0]} of {len(victims)} workers")
            p.ended = time.monotonic()
        else:
            p.skipped = "no worker process found under btl serve"
        close(p)

        p = phase("background worker killed (kill -9) mid-delivery, then started")
        receiver.waiting.clear()
        receiver.slow = 3.0
        if receiver.waiting.wait(30):
            procs["worker"].kill()
            procs["worker"].wait()
            p.notes.append("killed while the receiver held a delivery")
        else:
            p.skipped = "no delivery reached the receiver within 30 s"
        receiver.slow = 0.0
        if not p.skipped:  # the worker killed above is started again; else it still runs
            start("worker", [str(VENV_BIN / "btl"), "worker"])
        close(p)

        if engine == "sqlite":
            p = phase("disk full under the SQLite database for 10 s, then freed")
            if result.get("disk_skipped"):
                p.skipped = result["disk_skipped"]
            else:
                filler = var / "filler"
                with filler.open("wb") as f, contextlib.suppress(OSError):
                    while True:
                        f.write(b"\0" * (1 << 20))
                        f.flush()
                time.sleep(10)
                filler.unlink()
            close(p)

        load.stop.set()
        for client in clients:
            client.join(20)
        result["seconds"] = time.monotonic() - began
        # Let the worker catch up (score and deliver what the load queued), then check.
        stopped = time.monotonic()
        deadline = stopped + DRAIN
        check: dict[str, Any] = {}
        checked_file = VAR / f"{engine}-acked.json"
        checked_file.write_text(json.dumps({"marker": load.marker, "acked": load.acked}))
        while True:
            done = subprocess.run([str(VENV_BIN / "python"), __file__, "check", str(checked_file)],
                                  env=env, cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"the check failed: {done.stderr[-2000:]}")
            check = json.loads(done.stdout)
            behind = check["unscored"] or check["deliveries_pending"]
            if not behind or time.monotonic() > deadline:
                break
            time.sleep(2)
        result["caught_up"] = None if behind else time.monotonic() - stopped
        result["check"] = check
        with receiver.lock:
            result["received"] = dict(receiver.seen)
            receiver.seen.clear()
        return result
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        redis.stop()
        if engine == "postgresql":
            pg.stop()
        disk.unmount()


# -- children: seeding and checking, inside Django -------------------------------------------


def seed(out: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from belowtheline.discussion.models import Comment
    from belowtheline.integrations.models import WebhookEndpoint
    from belowtheline.sites.models import Site
    from bench import dataset

    call_command("migrate", verbosity=0)
    spec = dataset.Spec(total_comments=20_000, open_reports=500, other_articles=200,
                        authors=300, token_subscribers=200)
    data = dataset.build(spec=spec, origin=f"http://127.0.0.1:{WEB_PORT}", log=lambda m: None)
    site = Site.objects.get(slug=SLUG)
    hot = data.threads["3000"]
    WebhookEndpoint.objects.create(site=site, url=f"http://127.0.0.1:{HOOK_PORT}/hook",
                                   secret="fault-drill", events=["comment.created"])
    reportable = list(Comment.objects.filter(article_id=hot, status="published")
                      .values_list("pk", flat=True)[:400])
    out.write_text(json.dumps({"hot": hot, "tokens": data.tokens, "reportable": reportable}))


def check(acked_file: Path) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from belowtheline.discussion.models import Comment
    from belowtheline.integrations.models import WebhookDelivery

    given = json.loads(acked_file.read_text())
    acked: dict[str, int] = given["acked"]
    stored = dict(Comment.objects.filter(text__startswith=given["marker"])
                  .values("text").annotate(n=Count("pk")).values_list("text", "n"))
    integrity = "not SQLite"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            integrity = ", ".join(row[0] for row in cursor.fetchall())
    from django_tasks_db.models import DBTaskResult

    deliveries = WebhookDelivery.objects.filter(event="comment.created")
    # Ready to run now (a task a killed worker had in hand stays "RUNNING" for good: what it
    # was doing is found again by the worker's upkeep, e.g. a delivery still pending).
    waiting = DBTaskResult.objects.ready()
    print(json.dumps({
        "acked": len(acked),
        "lost": sum(1 for text in acked if text not in stored),
        "twice": sum(1 for text in acked if stored.get(text, 0) > 1),
        "stored_unacked": sum(1 for text in stored if text not in acked),
        "integrity": integrity,
        "delivered_ids": list(deliveries.filter(status="delivered").values_list("pk", flat=True)),
        "deliveries_pending": deliveries.filter(status="pending").count(),
        "deliveries_failed": deliveries.filter(status="failed").count(),
        "tasks_waiting": waiting.count(),
        # The load's own comments with no score yet (the seed's bulk comments, never
        # scored, are the worker's catch-up at start: older work, queued behind these).
        "unscored": Comment.objects.filter(text__startswith=given["marker"]).exclude(
            triage_scores__scorer="abuse").count(),
        "tasks_done": DBTaskResult.objects.filter(status="SUCCESSFUL").count(),
    }))


# -- the table -------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def phase_rows(result: dict[str, Any]) -> list[str]:
    load: Load = result["load"]
    rows = []
    for p in result["phases"]:
        hits = [h for h in load.hits if p.began <= h.at < (p.closed or p.ended)]
        seconds = max(1e-9, (p.closed or p.ended) - p.began)
        ok = [h.ms for h in hits if 200 <= h.status < 400]
        errors = [h for h in hits if h.status >= 500 and h.status != 503]
        unavailable = [h for h in hits if h.status == 503]
        # "Beyond the moment of failure": the first second of a fault is the moment.
        late = [h for h in errors if h.at > p.began + 1.0]
        coded = sum(1 for h in unavailable if h.retry_after and (not h.api or h.json_code))
        no_answer = sum(1 for h in hits if h.status == 0)
        recovered = first_post_after(load, p.ended) if p.ended else None
        posts_ok = sum(1 for h in hits if h.op == "post" and h.status in (200, 201))
        if p.skipped:
            verdict = f"not run: {p.skipped}"
        elif late:
            verdict = "NOT survived (5xx)"
        elif unavailable and coded < len(unavailable):
            verdict = "NOT survived (503 without Retry-After or code)"
        elif recovered is None:
            verdict = "NOT survived (no post after it)"
        else:
            verdict = "survived"
        if p.notes:
            verdict += f" ({'; '.join(p.notes)})"
        rows.append(
            f"| {p.name} | {len(hits):,} | {len(hits) / seconds:,.0f} | "
            f"{_pct(ok, 0.5):.1f} / {_pct(ok, 0.99):.1f} | {posts_ok:,} | {len(errors)} | "
            f"{len(unavailable)} ({coded} with Retry-After and a code) | "
            f"{no_answer} | {'' if recovered is None else f'{recovered:.2f} s'} | {verdict} |")
    return rows


def report(results: list[dict[str, Any]]) -> str:
    lines = [
        f"Load and faults, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: btl serve "
        f"(granian, its default workers × threads) and btl worker, {CONNECTIONS} client "
        "connections, 95% reads / 4% posts / 1% reports.",
        "",
    ]
    for result in results:
        name = {"sqlite": "SQLite, local-memory cache",
                "postgresql": "PostgreSQL + Redis (private instances)"}[result["engine"]]
        check = result["check"]
        load: Load = result["load"]
        delivered = set(check["delivered_ids"])
        received = set(result["received"])
        repeats = sum(n - 1 for d, n in result["received"].items() if d in delivered and n > 1)
        lines += [
            f"### {name}", "",
            "| phase | requests | req/s | ms p50 / p99 | posts acked | 5xx (not 503) | 503 | "
            "no answer | first post after | verdict |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *phase_rows(result), "",
            f"- acknowledged posts {check['acked']:,}: lost {check['lost']}, stored twice "
            f"{check['twice']}; stored but never acknowledged (the answer was lost, the client "
            f"gave up) {check['stored_unacked']}; posts the client gave up on "
            f"{len(load.gave_up)}" + (f" (first: {load.gave_up[0]})" if load.gave_up else ""),
            f"- SQLite integrity check: {check['integrity']}",
            f"- background work: {check['tasks_done']:,} tasks done (a score for every comment, "
            "a delivery for every webhook); every comment of the load scored and every "
            "webhook delivered "
            + (f"{result['caught_up']:.0f} s after the load stopped"
               if result["caught_up"] is not None else
               f"NOT within {DRAIN:.0f} s of the load stopping ({check['unscored']:,} "
               "comments unscored)")
            + f"; {check['tasks_waiting']:,} older jobs still waiting (the seed's comments, "
            "never scored, which the worker catches up on at start)",
            f"- webhooks (comment.created): {len(delivered):,} delivered, "
            f"{len(delivered - received)} delivered but never received, "
            f"{check['deliveries_pending']} still pending, {check['deliveries_failed']} given up; "
            f"the receiver deduplicated {repeats} repeated deliveries by id: "
            + ("all delivered" if not check["deliveries_pending"] and delivered <= received
               else "NOT all delivered"),
            "",
        ]
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in ("seed", "check"):
        sys.path.insert(0, str(ROOT))
        (seed if sys.argv[1] == "seed" else check)(Path(sys.argv[2]))
        return 0
    wanted = os.environ.get("FAULTS_DB", "both")
    engines = ["sqlite", "postgresql"] if wanted == "both" else [wanted]
    if "postgresql" in engines and not (PG_BIN / "initdb").exists():
        log(f"PostgreSQL binaries not found in {PG_BIN}: SQLite only")
        engines = [e for e in engines if e != "postgresql"]
    VAR.mkdir(parents=True, exist_ok=True)
    receiver = Receiver()
    results = []
    try:
        for engine in engines:
            results.append(run_engine(engine, receiver))
    finally:
        receiver.close()
    text = report(results)
    (VAR / "last-run.txt").write_text(text + "\n")
    print(text)
    survived = "NOT" not in text and all(
        r["check"]["lost"] == 0 and r["check"]["twice"] == 0 for r in results)
    return 0 if survived else 1


if __name__ == "__main__":
    sys.exit(main())
