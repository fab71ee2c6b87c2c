"""`make bench`: Below the Line side by side with Isso and the serving limit, one table.

Builds the data set (bench/dataset.py), starts every system on loopback as production runs
it, loads each with wrk at 32 connections, interleaving the systems and repeating every
case (3 rounds by default), prints one table with the medians, the spread and the ratios
measured within each round against the issue's targets, and stops everything it started,
also on Ctrl-C or failure.

Knobs (environment):
  BENCH_DURATION=5    seconds per wrk run         BENCH_ROUNDS=3   rounds of every case
  BENCH_QUICK=1       2 s runs, one round         BENCH_DB=auto|postgres|sqlite
  BENCH_CONNECTIONS=32                            BENCH_WORKERS=<cores>  server processes
  BENCH_CASES=c,f     only the cases whose keys start with these (a, b, c, d, e, g, and f
                      for posting and freshness); (a) always runs, as the limit's reference
PostgreSQL (when reachable at 127.0.0.1:5432, database btl_bench created and dropped here)
gets 1,000,000 comments and 100,000 open reports, with Redis when reachable; SQLite gets
100,000 comments and 10,000 open reports.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
VENV = ROOT / ".venv"
BENCH_VENV = VAR / "isso-venv"
ISSO_PINS = ROOT / "bench" / "isso-requirements.txt"
GRANIAN_PIN = "granian==2.8.7"
NOTES = Path(os.environ.get("BENCH_NOTES", "/work/notes/bench-results.md"))

PORT_OURS, PORT_OURS_2, PORT_ISSO, PORT_LIMIT, PORT_NGINX = 8500, 8501, 8510, 8520, 8530
PORT_LIMIT_WSGI = 8521
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "btl_bench"
REDIS_DB = 4

QUICK = os.environ.get("BENCH_QUICK") == "1"
DURATION = float(os.environ.get("BENCH_DURATION", "2" if QUICK else "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if QUICK else "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
CORES = os.cpu_count() or 2
WORKERS = int(os.environ.get("BENCH_WORKERS", str(CORES)))
SELECTED = [k.strip() for k in os.environ.get("BENCH_CASES", "").split(",") if k.strip()]


def selected(key: str) -> bool:
    """Whether a case runs: all by default; (a) always, since the ratios are to its limit."""
    return not SELECTED or key.startswith("a-") or any(key.startswith(k) for k in SELECTED)
WRK_THREADS = min(CORES, 4)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- processes we start, and only those ------------------------------------------------------


class Processes:
    """Every process the run starts, each in its own session so that stopping it stops its
    workers too; stopped in reverse order on exit, Ctrl-C or failure."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], *, env: dict[str, str],
              cwd: Path = ROOT) -> subprocess.Popen[bytes]:
        logfile = (VAR / "logs" / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=logfile,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        self.running.append((name, process))
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        self.running = [(n, p) for n, p in self.running if p is not process]

    def stop_all(self) -> None:
        for _, process in reversed(list(self.running)):
            self.stop(process)


PROCS = Processes()


def _on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def reachable(port: int) -> bool:
    return not port_free(port)


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the server's workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


# -- HTTP helpers ----------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http(url: str, *, method: str = "GET", headers: dict[str, str] | None = None,
         body: bytes | None = None, timeout: float = 60) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, b""


def wait_ready(url: str, process: subprocess.Popen[bytes], name: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited (code {process.returncode}); see "
                               f"{VAR / 'logs' / (name + '.log')}")
        status, _ = http(url, timeout=5)
        if status and status < 500:
            return
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f} s")


# -- tools -----------------------------------------------------------------------------------


def ensure_tools() -> dict[str, str]:
    """wrk and nginx from Debian, Isso + gunicorn in their own venv, granian."""
    missing = [pkg for tool, pkg in (("wrk", "wrk"), ("nginx", "nginx-light"))
               if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists()]
    if missing:
        log(f"installing {', '.join(missing)} with apt-get")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=True)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", *missing], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    stamp = BENCH_VENV / ".pins"
    if not stamp.exists() or stamp.read_text() != ISSO_PINS.read_text():
        log("installing Isso 0.14 and gunicorn into var/bench/isso-venv")
        if not (BENCH_VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "--quiet",
                        "--disable-pip-version-check", "-r", str(ISSO_PINS)], check=True)
        stamp.write_text(ISSO_PINS.read_text())
    granian = VENV / "bin" / "granian"
    if not granian.exists():
        granian = BENCH_VENV / "bin" / "granian"
        if not granian.exists():
            log(f"granian not in .venv yet: installing {GRANIAN_PIN} into the bench venv")
            subprocess.run([str(BENCH_VENV / "bin" / "pip"), "install", "--quiet",
                            "--disable-pip-version-check", GRANIAN_PIN], check=True)
    return {"wrk": shutil.which("wrk") or "/usr/bin/wrk",
            "nginx": shutil.which("nginx") or "/usr/sbin/nginx",
            "granian": str(granian)}


# -- the database ----------------------------------------------------------------------------


@dataclass
class Backend:
    vendor: str
    env: dict[str, str]
    redis_prefix: str | None = None
    description: str = ""


def choose_backend() -> Backend:
    wanted = os.environ.get("BENCH_DB", "auto")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "BTL_CACHE_PREFIX", "BTL_VAR_DIR")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "belowtheline.settings",
        "BTL_VAR_DIR": str(VAR / "btl"),
        # Per-user posting limits would decide the posting rate otherwise; the posts also
        # come from 1,000 distinct subscribers.
        "BTL_RATE_COMMENT": "1000000/60",
        "BTL_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    use_pg = wanted == "postgres" or (wanted == "auto" and reachable(5432))
    if not use_pg:
        return Backend("sqlite", env, description="SQLite (var/bench/btl), local-memory cache")
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    description = f"PostgreSQL ({PG_DB})"
    prefix = None
    if reachable(6379):
        prefix = f"bench-{os.getpid()}-{int(time.time())}"
        env["REDIS_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
        env["BTL_CACHE_PREFIX"] = prefix
        description += f" + Redis (db {REDIS_DB}, prefix {prefix})"
    return Backend("postgresql", env, prefix, description)


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def reset_database(backend: Backend) -> None:
    if backend.vendor == "postgresql":
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {PG_DB}")
    else:
        for stale in (VAR / "btl").glob("btl.sqlite3*"):
            stale.unlink()


def drop_database(backend: Backend) -> None:
    if backend.vendor == "postgresql":
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    if backend.redis_prefix:
        with contextlib.suppress(Exception):
            import redis

            client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
            keys = list(client.scan_iter(f"{backend.redis_prefix}*", count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start:start + 500])


# -- wrk -------------------------------------------------------------------------------------


@dataclass
class Result:
    rps: float
    p50: float
    p90: float
    p99: float
    errors: int
    requests: int
    extra: dict[str, Any] = field(default_factory=dict)


def _script(name: str) -> Path:
    """wrk takes one script: the case's own, followed by the shared reporting done()."""
    out = VAR / "wrk" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    body = (ROOT / "bench" / "wrk" / name).read_text()
    out.write_text(body + "\n" + (ROOT / "bench" / "wrk" / "report.lua").read_text())
    return out


def request_file(name: str, lines: list[str]) -> Path:
    path = VAR / "wrk" / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def start_wrk(tools: dict[str, str], base: str, script: str, args: list[str], *,
              duration: float, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    command = [tools["wrk"], "-t", str(WRK_THREADS), "-c", str(CONNECTIONS),
               "-d", f"{duration:g}s", "--timeout", "30s", "-s", str(_script(script)), base,
               "--", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env={**os.environ, **(env or {})},
                            start_new_session=True)


def finish_wrk(process: subprocess.Popen[str], duration: float) -> Result:
    try:
        out, _ = process.communicate(timeout=duration + 60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{out[-2000:]}")
    data = json.loads(line.split(" ", 1)[1])
    seconds = data["duration_us"] / 1e6
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Result(rps=data["requests"] / seconds if seconds else 0.0, p50=data["p50"] / 1000,
                  p90=data["p90"] / 1000, p99=data["p99"] / 1000, errors=errors,
                  requests=data["requests"], extra=data)


def run_wrk(tools: dict[str, str], base: str, script: str, args: list[str], *,
            duration: float = DURATION, env: dict[str, str] | None = None) -> Result:
    return finish_wrk(start_wrk(tools, base, script, args, duration=duration, env=env), duration)


# -- cases -----------------------------------------------------------------------------------


@dataclass
class Target:
    """One system in one case: where wrk points, what it sends."""

    system: str
    base: str
    lines: list[str]
    mode: str = "cycle"
    pair: bool = False  # two requests make one reader's page: report pairs per second
    check: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    available: bool = True
    why_not: str = ""
    alone_ms: float | None = None  # one request (a pair: both) with nothing else running


@dataclass
class Case:
    key: str
    title: str
    targets: list[Target]
    results: dict[str, list[Result]] = field(default_factory=dict)


def parse_line(line: str) -> tuple[str, dict[str, str]]:
    path, *headers = line.split("\t")
    return path, dict(h.split(": ", 1) for h in headers)


def probe(target: Target) -> None:
    """A case whose endpoint is not on main yet prints n/a instead of failing the run."""
    timings = []
    if target.mode == "random":  # cold each time: time a thread nobody has asked for yet
        path, headers = parse_line(target.lines[-1])
        began = time.monotonic()
        http(target.base + path, headers=headers)
        target.alone_ms = (time.monotonic() - began) * 1000
    for path, headers in target.check or [parse_line(ln) for ln in target.lines[:2]]:
        status, body = http(target.base + path, headers=headers)
        if status != 200:
            target.available = False
            target.why_not = f"{path.split('?')[0]} answered {status or 'nothing'}"
            return
        began = time.monotonic()  # the second time: caches warmed by the first
        http(target.base + path, headers=headers)
        timings.append((time.monotonic() - began) * 1000)
    if target.alone_ms is None:
        target.alone_ms = sum(timings) if target.pair else timings[0]


@dataclass
class World:
    tools: dict[str, str]
    data: dict[str, Any]
    ours: str
    isso: str | None
    limit: str
    nginx: str
    pids: dict[str, int]
    limit_wsgi: str = ""


def viewer_path(world: World, base: str) -> str | None:
    """The per-reader endpoint of helper "cache" (with or without a trailing slash)."""
    hot = world.data["threads"]["3000"]
    token = world.data["tokens"][0]
    for path in (f"/sites/bench/threads/{hot}/viewer", f"/sites/bench/threads/{hot}/viewer/"):
        status, _ = http(base + path + "?sort=newest&page=1",
                         headers={"Authorization": f"Bearer {token}"})
        if status == 200:
            return path
    return None


def build_cases(world: World) -> list[Case]:
    data = world.data
    threads = data["threads"]
    hot = threads["3000"]
    tokens = data["tokens"]
    page = "/sites/bench/threads/{}/"
    api = "/api/v1/sites/bench/articles/{}/thread"
    cases = [
        Case("a-page", "(a) hot thread, first page, anonymous: HTML page", [
            Target("ours", world.ours, [page.format(hot)]),
            *([Target("isso", world.isso, [_isso_page()])] if world.isso else []),
            Target("limit-granian", world.limit, ["/page"]),
            Target("limit-granian-wsgi", world.limit_wsgi, ["/page"]),
            Target("limit-nginx", world.nginx, ["/page.html"]),
        ]),
        Case("a-api", "(a) hot thread, first page, anonymous: API", [
            Target("ours", world.ours, [api.format(hot)]),
            Target("limit-granian", world.limit, ["/api"]),
            Target("limit-granian-wsgi", world.limit_wsgi, ["/api"]),
            Target("limit-nginx", world.nginx, ["/api.json"]),
        ]),
    ]
    for size in ("300", "30"):
        # Each size beside the limit for its own bytes: a smaller thread is a smaller body,
        # so what must stay flat is our cost relative to serving those bytes.
        cases.append(Case(f"b-page-{size}", f"(b) {size}-comment thread: HTML page", [
            Target("ours", world.ours, [page.format(threads[size])]),
            Target("limit-granian", world.limit, [f"/page-{size}"]),
        ]))
        cases.append(Case(f"b-api-{size}", f"(b) {size}-comment thread: API", [
            Target("ours", world.ours, [api.format(threads[size])]),
            Target("limit-granian", world.limit, [f"/api-{size}"]),
        ]))

    viewer = viewer_path(world, world.ours)
    pair_lines = []
    for token in tokens[:200]:
        pair_lines += [page.format(hot) + "?embed=1",
                       f"{viewer}?sort=newest&page=1\tAuthorization: Bearer {token}"]
    sub_page = Target("ours", world.ours, pair_lines if viewer else [], pair=True)
    if viewer is None:
        sub_page.available = False
        sub_page.why_not = "no /threads/<id>/viewer endpoint on main yet"
    api_viewer = api.format(hot) + "/viewer?sort=newest&page=1"
    api_pairs = []
    for token in tokens[:200]:
        api_pairs += [api.format(hot), f"{api_viewer}\tAuthorization: Bearer {token}"]
    cases += [
        Case("c-page", "(c) subscriber's first page: shared page + per-reader request (pairs/s)",
             [sub_page]),
        Case("c-api", "(c) subscriber's first page: shared API + API viewer request (pairs/s)",
             [Target("ours", world.ours, api_pairs, pair=True)]),
        Case("c-bearer-page", "(c) subscriber's page in one request with the token",
             [Target("ours", world.ours,
                     [f"{page.format(hot)}\tAuthorization: Bearer {t}" for t in tokens[:200]])]),
        Case("c-bearer-api", "(c) subscriber's API thread in one request with the token",
             [Target("ours", world.ours,
                     [f"{api.format(hot)}\tAuthorization: Bearer {t}" for t in tokens[:200]])]),
    ]
    import random

    rng = random.Random(11)
    cold = [rng.randint(data["other_first"], data["other_last"]) for _ in range(20_000)]
    cases += [
        Case("d-page", "(d) random cold thread: HTML page",
             [Target("ours", world.ours, [page.format(a) for a in cold], mode="random")]),
        Case("d-api", "(d) random cold thread: API",
             [Target("ours", world.ours, [api.format(a) for a in cold], mode="random")]),
    ]
    from urllib.parse import urlencode

    counts = "/embed/bench/counts?" + urlencode([("url", u) for u in data["other_urls"][:30]])
    cases.append(Case("e-counts", "(e) comment counts for 30 articles, one request", [
        Target("ours", world.ours, [f"{counts}\tOrigin: http://127.0.0.1:{PORT_OURS}"]),
    ]))
    cookie = f"Cookie: {data['session_cookie_name']}={data['moderator_session']}"
    # As a moderator's browser asks for it over HTTPS: the page is compressed on every view
    # (it holds the moderator's own CSRF token), which is part of what a view costs.
    browser = "Accept-Encoding: gzip, deflate, br, zstd"
    cases.append(Case("g-queue", f"(g) Reported tab, {data['open_reports']:,} open reports, "
                      "moderator's session, compressed as a browser asks", [
        Target("ours", world.ours, [f"/moderate/bench/?tab=reported\t{cookie}\t{browser}"]),
    ]))
    for case in cases:
        for target in case.targets:
            if target.available:
                probe(target)
    return cases


def _isso_page() -> str:
    from bench.isso_side import first_page_path

    return first_page_path()


SETTLE_PATHS = {"ours": "/embed.js", "isso": "/?uri=/none", "limit-granian": "/page",
                "limit-granian-wsgi": "/page", "limit-nginx": "/page.html"}


def settle(system: str, base: str, *, quick: float = 0.25, timeout: float = 90) -> None:
    """Wait until the system has worked off what the last run left queued.

    wrk stops with 32 requests in flight; a slow system goes on serving them (and whatever
    its server queued) after the client has gone, which would be billed to the next run.
    """
    path = SETTLE_PATHS.get(system, "/")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        began = time.monotonic()
        http(base + path, timeout=timeout)
        if time.monotonic() - began < quick:
            return
    log(f"{system} still slow to answer {path} after {timeout:.0f} s; measuring anyway")


def run_read_cases(world: World, cases: list[Case], memory: dict[str, float]) -> None:
    for round_ in range(1, ROUNDS + 1):
        for case in cases:
            for target in case.targets:
                if not target.available:
                    continue
                file = request_file(f"{case.key}-{target.system}", target.lines)
                settle(target.system, target.base)
                if round_ == 1:  # warm the caches (and granian/gunicorn workers) first
                    run_wrk(world.tools, target.base, "requests.lua",
                            [str(file), target.mode], duration=1)
                    settle(target.system, target.base)
                result = run_wrk(world.tools, target.base, "requests.lua",
                                 [str(file), target.mode])
                if target.pair:
                    result.rps /= 2
                case.results.setdefault(target.system, []).append(result)
                sample_memory(world, target.system, memory)
                log(f"round {round_} {case.key:14} {target.system:14} {result.rps:9.1f} /s  "
                    f"p50 {result.p50:8.1f} ms  p99 {result.p99:8.1f} ms  errors {result.errors}")


def sample_memory(world: World, system: str, memory: dict[str, float]) -> None:
    key = "ours" if system == "ours" else system
    pid = world.pids.get(key)
    if pid:
        memory[key] = max(memory.get(key, 0.0), tree_rss_mb(pid))


# -- posting, freshness, two processes -------------------------------------------------------


@dataclass
class PostRun:
    system: str
    mode: str  # "alone" or "read": posting alone, or while 32 more connections read
    posts: Result
    readers: Result | None
    check: dict[str, int]


def run_posting(world: World, memory: dict[str, float]) -> list[list[PostRun]]:
    """(f): posting with subscriber tokens, alone and while readers load the hot page."""
    from bench import dataset, isso_side

    hot = world.data["threads"]["3000"]
    ours_targets = request_file("post-ours", [
        f"/api/v1/sites/bench/articles/{hot}/comments\t{t}" for t in world.data["tokens"]])
    reader_ours = request_file("post-readers-ours", [f"/sites/bench/threads/{hot}/"])
    rounds = []
    for round_ in range(1, ROUNDS + 1):
        runs = []
        systems = [("ours", world.ours)] + ([("isso", world.isso)] if world.isso else [])
        for system, base, mode in [(s, b, m) for m in ("alone", "read") for s, b in systems]:
            marker = f"bench-{system}-{mode}-{round_}-{int(time.time())}"
            ids_file = VAR / "wrk" / f"ids-{system}-{mode}-{round_}.txt"
            if system == "ours":
                targets, readers = ours_targets, reader_ours
            else:
                targets = request_file("post-isso", [f"/new?uri={isso_side.ISSO_URI}"])
                readers = request_file("post-readers-isso", [isso_side.first_page_path()])
            settle(system, base)
            reading = None
            if mode == "read":
                reading = start_wrk(world.tools, base, "requests.lua",
                                    [str(readers), "cycle"], duration=DURATION)
            posts = run_wrk(world.tools, base, "post.lua",
                            [str(targets), marker, system, str(ids_file)],
                            env={"BENCH_IDS_FILE": str(ids_file)})
            read = finish_wrk(reading, DURATION) if reading else None
            time.sleep(1)  # let the last in-flight writes land before counting
            acked = [int(x) for x in ids_file.read_text().split(",") if x.strip().isdigit()]
            if system == "ours":
                from django.db import connections

                check = dataset.posted_check(article_id=hot, marker=marker, acked_ids=acked)
                connections.close_all()
            else:
                check = isso_side.posted_check(VAR / "isso", marker, acked)
            check["failed"] = int(posts.extra.get("failed", 0))
            # Posts per second means acknowledged posts: a refusal is not a post.
            posts.rps = check["acked"] / (posts.extra["duration_us"] / 1e6)
            runs.append(PostRun(system, mode, posts, read, check))
            sample_memory(world, system, memory)
            log(f"round {round_} posting {mode:5} {system:6} {posts.rps:8.1f} posts/s  acked "
                f"{check['acked']} stored {check['stored']} lost {check['lost']} dup "
                f"{check['duplicate_texts']} failed {check['failed']} "
                f"{posts.extra.get('last_failure', '')}"
                + (f"  readers {read.rps:.1f}/s" if read else ""))
        rounds.append(runs)
    return rounds


def post_one(base: str, token: str, text: str) -> tuple[int, float]:
    hot_api = "/api/v1/sites/bench/articles/{}/comments"
    status, body = http(base + hot_api.format(WORLD_HOT[0]), method="POST",
                        headers={"Authorization": f"Bearer {token}",
                                 "Content-Type": "application/json"},
                        body=json.dumps({"text": text}).encode())
    return status, time.monotonic()


WORLD_HOT: list[int] = []


def visible_after(post_base: str, read_base: str, token: str, label: str,
                  timeout: float = 10) -> float | None:
    """Seconds from the post's acknowledgement until an anonymous reader of the cached
    first page (on read_base) sees it; None if it never showed within the timeout."""
    hot = WORLD_HOT[0]
    http(read_base + f"/sites/bench/threads/{hot}/")  # the cache holds the page before
    text = f"visible-{label}-{time.time_ns()}"
    status, acked_at = post_one(post_base, token, text)
    if status not in (200, 201):
        return None
    while time.monotonic() - acked_at < timeout:
        _, body = http(read_base + f"/sites/bench/threads/{hot}/", timeout=5)
        if text.encode() in body:
            return time.monotonic() - acked_at
        time.sleep(0.01)
    return None


def run_freshness(world: World, backend: Backend) -> dict[str, list[float | None]]:
    tokens = world.data["tokens"]
    out: dict[str, list[float | None]] = {"same": [], "other": []}
    for i in range(5):
        out["same"].append(visible_after(world.ours, world.ours, tokens[-1 - i], f"same{i}"))
    # Two server processes on different ports, sharing the database (and Redis when there).
    second = PROCS.start("ours-2", ours_command(PORT_OURS_2), env=backend.env)
    try:
        wait_ready(f"http://127.0.0.1:{PORT_OURS_2}/sites/bench/threads/{WORLD_HOT[0]}/",
                   second, "ours-2")
        for i in range(3):
            out["other"].append(visible_after(world.ours, f"http://127.0.0.1:{PORT_OURS_2}",
                                              tokens[-10 - i], f"other{i}"))
    finally:
        PROCS.stop(second)
    return out


# -- starting the systems --------------------------------------------------------------------


def _serve_help() -> str:
    return subprocess.run([str(VENV / "bin" / "btl"), "serve", "--help"], capture_output=True,
                          text=True, cwd=ROOT).stdout


SERVE_HELP: list[str] = []


def ours_command(port: int) -> list[str]:
    command = [str(VENV / "bin" / "btl"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if not SERVE_HELP:
        SERVE_HELP.append(_serve_help())
    if "--workers" in SERVE_HELP[0]:
        command += ["--workers", str(WORKERS)]
    return command


def nginx_conf(port: int) -> Path:
    base = VAR / "nginx"
    for sub in ("tmp", "logs"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = base / "nginx.conf"
    conf.write_text(f"""# Generated by bench/run.py: the serving limit for the same bytes, static.
{user}worker_processes {WORKERS};
pid {base}/nginx.pid;
error_log {base}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {base}/tmp/body;
    proxy_temp_path {base}/tmp/proxy;
    fastcgi_temp_path {base}/tmp/fastcgi;
    uwsgi_temp_path {base}/tmp/uwsgi;
    scgi_temp_path {base}/tmp/scgi;
    types {{ text/html html; application/json json; }}
    server {{
        listen 127.0.0.1:{port};
        root {VAR}/limit;
    }}
}}
""")
    return conf


def start_isso() -> tuple[str | None, int | None]:
    """Isso under gunicorn, seeded through its API (run in a thread while our data loads:
    its pbkdf2 hash per post makes seeding the slowest step of the set-up)."""
    from bench import isso_side

    base = f"http://127.0.0.1:{PORT_ISSO}"
    try:
        config = isso_side.write_config(VAR / "isso", PORT_ISSO)
        isso = PROCS.start("isso", isso_side.command(BENCH_VENV, PORT_ISSO),
                           env={**os.environ, "ISSO_SETTINGS": str(config)}, cwd=VAR / "isso")
        wait_ready(f"{base}/?uri=/none", isso, "isso")
        began = time.monotonic()
        posted = isso_side.seed(PORT_ISSO)
        log(f"Isso seeded through its API: {posted} comments in "
            f"{time.monotonic() - began:.1f} s")
        return base, isso.pid
    except Exception as error:  # noqa: BLE001 - the rest of the table is still worth having
        log(f"Isso not available, its columns print n/a: {error}")
        return None, None


def _count_isso(node: dict[str, Any]) -> int:
    return sum(1 + _count_isso(reply) for reply in node.get("replies", []))


def check_ports() -> None:
    for port in (PORT_OURS, PORT_OURS_2, PORT_ISSO, PORT_LIMIT, PORT_LIMIT_WSGI, PORT_NGINX):
        if not port_free(port):
            raise RuntimeError(f"port {port} is taken: is another `make bench` running?")


def start_systems(tools: dict[str, str], backend: Backend, data: dict[str, Any],
                  isso: Future[tuple[str | None, int | None]]) -> World:
    hot = data["threads"]["3000"]
    ours = f"http://127.0.0.1:{PORT_OURS}"
    log("starting our server: " + " ".join(ours_command(PORT_OURS)))
    server = PROCS.start("ours", ours_command(PORT_OURS), env=backend.env)
    wait_ready(f"{ours}/sites/bench/threads/{hot}/", server, "ours", timeout=180)

    # The limit serves exactly what an anonymous reader got from us.
    limit_dir = VAR / "limit"
    limit_dir.mkdir(parents=True, exist_ok=True)
    sized = [(f"{kind}-{size}.{ext}", path.format(data["threads"][size]))
             for size in ("300", "30")
             for kind, ext, path in (("page", "html", "/sites/bench/threads/{}/"),
                                     ("api", "json", "/api/v1/sites/bench/articles/{}/thread"))]
    for name, path in (("page.html", f"/sites/bench/threads/{hot}/"),
                       ("api.json", f"/api/v1/sites/bench/articles/{hot}/thread"), *sized):
        status, body = http(ours + path, timeout=120)
        if status != 200:
            raise RuntimeError(f"our server answered {status} for {path}")
        (limit_dir / name).write_bytes(body)
    granian = PROCS.start("limit-granian", [
        tools["granian"], "--interface", "asgi", "--host", "127.0.0.1", "--port",
        str(PORT_LIMIT), "--workers", str(WORKERS), "--no-ws", "--log-level", "warning",
        "bench.limit_app:app"], env={**os.environ, "BENCH_LIMIT_DIR": str(limit_dir),
                                     "PYTHONPATH": str(ROOT)})
    granian_wsgi = PROCS.start("limit-granian-wsgi", [
        tools["granian"], "--interface", "wsgi", "--host", "127.0.0.1", "--port",
        str(PORT_LIMIT_WSGI), "--workers", str(WORKERS), "--no-ws", "--log-level", "warning",
        "bench.limit_app:wsgi_app"], env={**os.environ, "BENCH_LIMIT_DIR": str(limit_dir),
                                          "PYTHONPATH": str(ROOT)})
    nginx = PROCS.start("limit-nginx", [tools["nginx"], "-p", str(VAR / "nginx"), "-c",
                                        str(nginx_conf(PORT_NGINX)), "-g", "daemon off;"],
                        env=dict(os.environ))
    limit = f"http://127.0.0.1:{PORT_LIMIT}"
    nginx_base = f"http://127.0.0.1:{PORT_NGINX}"
    wait_ready(limit + "/page", granian, "limit-granian")
    limit_wsgi = f"http://127.0.0.1:{PORT_LIMIT_WSGI}"
    wait_ready(limit_wsgi + "/page", granian_wsgi, "limit-granian-wsgi")
    wait_ready(nginx_base + "/page.html", nginx, "limit-nginx")

    pids = {"ours": server.pid, "limit-granian": granian.pid,
            "limit-granian-wsgi": granian_wsgi.pid, "limit-nginx": nginx.pid}
    isso_base, isso_pid = isso.result()
    if isso_pid:
        pids["isso"] = isso_pid
    # The first pages both systems serve, counted: the comparison is only fair if equal.
    ours_doc = json.loads((limit_dir / "api.json").read_bytes())
    data["ours_first_page"] = sum(1 + len(c.get("replies", [])) for c in ours_doc["comments"])
    if isso_base:
        from bench.isso_side import first_page_path

        _, body = http(isso_base + first_page_path(), timeout=60)
        with contextlib.suppress(ValueError):
            data["isso_first_page"] = _count_isso(json.loads(body))
    return World(tools, data, ours, isso_base, limit, nginx_base, pids, limit_wsgi)


# -- the table -------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _rate(values: list[float]) -> str:
    if not values:
        return "n/a"
    med = statistics.median(values)
    if len(values) == 1:
        return f"{med:,.1f}" if med < 100 else f"{med:,.0f}"
    spread = f"{min(values):,.0f}–{max(values):,.0f}" if med >= 100 else \
        f"{min(values):,.1f}–{max(values):,.1f}"
    return (f"{med:,.1f}" if med < 100 else f"{med:,.0f}") + f" ({spread})"


def _verdict(value: float | None, target: float, *, at_least: bool) -> str:
    if value is None:
        return "n/a"
    met = value >= target if at_least else value <= target
    if met:
        return "met"
    if at_least:
        return f"missed ({value / target:.0%} of target)" if target else "missed"
    return f"missed ({value / target:.1f}× target)"


class Table:
    def __init__(self) -> None:
        self.rows: list[list[str]] = []

    def add(self, *cells: str) -> None:
        self.rows.append(list(cells) + [""] * (9 - len(cells)))

    def render(self) -> str:
        header = ["case", "system", "req/s median (min–max)", "p50 ms", "p90 ms", "p99 ms",
                  "errors", "ratio / value (median of rounds)", "target"]
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(9)]

        def line(cells: list[str]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(r) for r in self.rows]
        return "\n".join(out)


def alone(target: Target) -> str:
    if target.alone_ms is None:
        return ""
    return f"one {'pair' if target.pair else 'request'} alone: {_ms(target.alone_ms)} ms"


def _p99(results: list[Result]) -> float | None:
    """The median p99 over the rounds that completed anything (None: none did)."""
    done = [r.p99 for r in results if r.requests]
    return statistics.median(done) if done else None


def per_round(case: Case | None, system: str) -> list[Result]:
    if case is None:
        return []
    return case.results.get(system, [])


def ratio_rounds(a: list[Result], b: list[Result]) -> list[float]:
    return [x.rps / y.rps for x, y in zip(a, b, strict=False) if y.rps]


def _ratio_text(values: list[float], fmt: str = "{:.2f}") -> str:
    if not values:
        return "n/a"
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += " (" + ", ".join(fmt.format(v) for v in values) + ")"
    return text


def add_posting_rows(table: Table, title: str, posting: list[list[PostRun]]) -> None:
    if not any(posting):
        table.add(title, "ours", "n/a")
        return
    for system in ("ours", "isso"):
        runs = [r for round_ in posting for r in round_ if r.system == system]
        if not runs:
            continue
        lost = sum(r.check["lost"] for r in runs)
        dups = sum(r.check["duplicate_texts"] for r in runs)
        acked = sum(r.check["acked"] for r in runs)
        same_id = sum(r.check["acked"] - r.check["acked_distinct"] for r in runs)
        failed = sum(r.check["failed"] for r in runs)
        table.add(title, f"{system}: posts", _rate([r.posts.rps for r in runs]),
                  _ms(statistics.median(r.posts.p50 for r in runs)),
                  _ms(statistics.median(r.posts.p90 for r in runs)),
                  _ms(statistics.median(r.posts.p99 for r in runs)), str(failed),
                  f"{acked} acked, {lost} lost, {dups} stored twice"
                  + (f", {same_id} acks repeating an id" if same_id else ""),
                  "nothing lost " + ("n/a (nothing acknowledged)" if not acked else
                                     "met" if lost == 0 and dups == 0 and not same_id
                                     else "missed"))
        readers = [r.readers for r in runs if r.readers]
        if readers:
            table.add(title, f"{system}: readers meanwhile", _rate([r.rps for r in readers]),
                      _ms(statistics.median(r.p50 for r in readers)),
                      _ms(statistics.median(r.p90 for r in readers)),
                      _ms(statistics.median(r.p99 for r in readers)),
                      str(sum(r.errors for r in readers)))
    post_ratio = []
    for round_ in posting:
        rates = {r.system: r.posts.rps for r in round_}
        if rates.get("isso") and "ours" in rates:
            post_ratio.append(rates["ours"] / rates["isso"])
    table.add(title, "ours ÷ Isso (posts/s)", "", "", "", "", "",
              _ratio_text(post_ratio, "{:.2f}×") if post_ratio else "n/a (Isso posted nothing)",
              "≥ 3× " + _verdict(statistics.median(post_ratio) if post_ratio else None, 3,
                                 at_least=True))


def build_table(cases: list[Case], posting: list[list[PostRun]],
                freshness: dict[str, list[float | None]], memory: dict[str, float],
                backend: Backend) -> Table:
    table = Table()
    by_key = {c.key: c for c in cases}
    for case in cases:
        for target in case.targets:
            results = case.results.get(target.system, [])
            if not target.available or not results:
                table.add(case.title, target.system, "n/a", "", "", "", "",
                          target.why_not or "not measured")
                continue
            if not any(r.requests for r in results):
                table.add(case.title, target.system,
                          f"0 (no answer completed within {DURATION:g} s)", "", "", "",
                          str(sum(r.errors for r in results)), alone(target))
                continue
            table.add(case.title, target.system, _rate([r.rps for r in results]),
                      _ms(statistics.median(r.p50 for r in results)),
                      _ms(statistics.median(r.p90 for r in results)),
                      _ms(statistics.median(r.p99 for r in results)),
                      str(sum(r.errors for r in results)), alone(target))
        ours = per_round(case, "ours")
        if case.key == "a-page":
            limit = ratio_rounds(ours, per_round(case, "limit-granian"))
            table.add(case.title, "ours ÷ limit (granian)", "", "", "", "", "",
                      _ratio_text(limit, "{:.1%}"), "≥ 50% " + _verdict(
                          statistics.median(limit) if limit else None, 0.5, at_least=True))
            table.add(case.title, "ours ÷ limit (granian WSGI)", "", "", "", "", "",
                      _ratio_text(ratio_rounds(ours, per_round(case, "limit-granian-wsgi")),
                                  "{:.1%}"))
            table.add(case.title, "ours ÷ limit (nginx)", "", "", "", "", "",
                      _ratio_text(ratio_rounds(ours, per_round(case, "limit-nginx")), "{:.1%}"))
            table.add(case.title, "ours ÷ Isso", "", "", "", "", "",
                      _ratio_text(ratio_rounds(ours, per_round(case, "isso")), "{:.1f}×"))
            p99 = _p99(ours)
            table.add(case.title, "ours p99", "", "", "", "", "",
                      f"{p99:.1f} ms" if p99 is not None else "n/a",
                      "< 25 ms " + _verdict(p99, 25, at_least=False))
        if case.key == "a-api":
            limit = ratio_rounds(ours, per_round(case, "limit-granian"))
            table.add(case.title, "ours ÷ limit (granian)", "", "", "", "", "",
                      _ratio_text(limit, "{:.1%}"), "≥ 50% " + _verdict(
                          statistics.median(limit) if limit else None, 0.5, at_least=True))
            table.add(case.title, "ours ÷ limit (granian WSGI)", "", "", "", "", "",
                      _ratio_text(ratio_rounds(ours, per_round(case, "limit-granian-wsgi")),
                                  "{:.1%}"))
            table.add(case.title, "ours ÷ limit (nginx)", "", "", "", "", "",
                      _ratio_text(ratio_rounds(ours, per_round(case, "limit-nginx")), "{:.1%}"))
        if case.key in ("b-page-30", "b-api-30"):
            kind = "page" if "page" in case.key else "api"
            sizes = [per_round(by_key.get(f"a-{kind}"), "ours"),
                     per_round(by_key.get(f"b-{kind}-300"), "ours"), ours]
            raw = [min(r.rps for r in group) / max(r.rps for r in group)
                   for group in zip(*sizes, strict=False) if all(r.rps for r in group)]
            table.add(f"(b) flat in thread size: {kind}", "req/s slowest ÷ fastest",
                      "", "", "", "", "", _ratio_text(raw, "{:.0%}"),
                      "(the bodies differ in size)")
            # Ours ÷ the limit for the same bytes, at each size, within each round.
            limits = [per_round(by_key.get(f"a-{kind}"), "limit-granian"),
                      per_round(by_key.get(f"b-{kind}-300"), "limit-granian"),
                      per_round(case, "limit-granian")]
            flat = []
            for ours_group, limit_group in zip(zip(*sizes, strict=False),
                                               zip(*limits, strict=False), strict=False):
                if all(r.rps for r in (*ours_group, *limit_group)):
                    shares = [o.rps / lim.rps for o, lim in zip(ours_group, limit_group,
                                                               strict=True)]
                    flat.append(min(shares) / max(shares))
            table.add(f"(b) flat in thread size: {kind}",
                      "ours ÷ limit, lowest ÷ highest of 30/300/3,000", "", "", "", "", "",
                      _ratio_text(flat, "{:.0%}"),
                      "≥ 90% " + _verdict(statistics.median(flat) if flat else None, 0.9,
                                          at_least=True))
        if case.key in ("c-page", "c-api"):
            limit_case = by_key.get("a-page")
            sub = ratio_rounds(ours, per_round(limit_case, "limit-granian"))
            table.add(case.title, "pairs ÷ limit page (granian)", "", "", "", "", "",
                      _ratio_text(sub, "{:.1%}"), "≥ 25% " + _verdict(
                          statistics.median(sub) if sub else None, 0.25, at_least=True))
        if case.key == "g-queue" and ours:
            p99 = _p99(ours)
            table.add(case.title, "ours p99", "", "", "", "", "",
                      f"{p99:.1f} ms" if p99 is not None else
                      f"none answered within {DURATION:g} s", "< 100 ms " + (
                          _verdict(p99, 100, at_least=False) if p99 is not None else "missed"))

    for mode, title in (("alone", "(f) posting with subscriber tokens, alone"),
                        ("read", "(f) posting with tokens while (a) is read")):
        add_posting_rows(table, title, [[r for r in round_ if r.mode == mode]
                                        for round_ in posting])
    for key, label in (("same", "(f) new comment visible on the cached page"),
                       ("other", "two processes (ports 8500/8501) agree")):
        values = freshness.get(key, [])
        seen = [v for v in values if v is not None]
        if not values:
            table.add(label, "ours", "n/a")
            continue
        worst = max(seen) if len(seen) == len(values) else None
        text = (f"max {max(seen) * 1000:.0f} ms, median {statistics.median(seen) * 1000:.0f} ms"
                if seen else "never within 10 s")
        if len(seen) < len(values):
            text += f", {len(values) - len(seen)} of {len(values)} never within 10 s"
        table.add(label, "ours", "", "", "", "", "", f"{text} ({len(values)} posts)",
                  "≤ 1 s " + _verdict(worst, 1.0, at_least=False))
    for system in ("ours", "isso", "limit-granian", "limit-granian-wsgi", "limit-nginx"):
        if system in memory:
            table.add("resident memory (max during the run)", system, "", "", "", "", "",
                      f"{memory[system]:.0f} MB")
    return table


# -- main ------------------------------------------------------------------------------------


def main() -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    # Ctrl-C stops the run even when a parent started us with SIGINT ignored (a background
    # job of a non-interactive shell): everything started is stopped in `finally`.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    began = time.monotonic()
    for sub in ("logs", "wrk", "btl"):
        (VAR / sub).mkdir(parents=True, exist_ok=True)
    tools = ensure_tools()
    backend = choose_backend()
    os.environ.update(backend.env)
    for name in ("DATABASE_URL", "REDIS_URL", "BTL_CACHE_PREFIX"):
        if name not in backend.env:
            os.environ.pop(name, None)
    sys.path.insert(0, str(ROOT))
    log(f"data base: {backend.description}")
    check_ports()
    pool = ThreadPoolExecutor(1)
    try:
        isso = pool.submit(start_isso)
        reset_database(backend)
        import django

        django.setup()
        from django.core.management import call_command

        from bench import dataset

        call_command("migrate", verbosity=0)
        spec = dataset.Spec.for_engine(backend.vendor,
                                       scale=float(os.environ.get("BENCH_SCALE", "1")))
        log(f"building the data set ({spec.total_comments:,} comments, "
            f"{spec.open_reports:,} open reports)")
        data = dataset.build(spec=spec, origin=f"http://127.0.0.1:{PORT_OURS}",
                             log=lambda m: log(m)).as_dict()
        (VAR / "data.json").write_text(json.dumps(data))
        from django.db import connections

        connections.close_all()
        log(f"data set built in {data['seconds']:.0f} s")
        WORLD_HOT.append(data["threads"]["3000"])

        world = start_systems(tools, backend, data, isso)
        cases = [c for c in build_cases(world) if selected(c.key)]
        memory: dict[str, float] = {}
        run_read_cases(world, cases, memory)
        posting = run_posting(world, memory) if selected("f") else []
        freshness = run_freshness(world, backend) if selected("f") else {}
        table = build_table(cases, posting, freshness, memory, backend)
        report(table, backend, data, world, time.monotonic() - began)
        return 0
    finally:
        PROCS.stop_all()
        pool.shutdown(wait=False, cancel_futures=True)
        drop_database(backend)


def report(table: Table, backend: Backend, data: dict[str, Any], world: World,
           seconds: float) -> None:
    hot_page = (VAR / "limit" / "page.html").stat().st_size
    hot_api = (VAR / "limit" / "api.json").stat().st_size
    first_page = (VAR / "limit" / "page.html").read_bytes().count(b'class="comment')
    command = "make bench" + "".join(
        f" {k}={os.environ[k]}" for k in ("BENCH_DB", "BENCH_QUICK", "BENCH_DURATION",
                                          "BENCH_ROUNDS", "BENCH_WORKERS", "BENCH_CASES")
        if k in os.environ)
    head = [
        f"Below the Line benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit {git_head()}",
        f"{backend.description}; {data['comments']:,} comments on "
        f"{data['spec']['other_articles'] + 3:,} articles, {data['open_reports']:,} open "
        f"reports; data built in {data['seconds']:.0f} s ({'; '.join(data['notes'])})",
        f"wrk {WRK_THREADS} threads, {CONNECTIONS} connections, {DURATION:g} s per run, "
        f"{ROUNDS} round(s), systems interleaved; {CORES} cores shared by everything; "
        f"our server: btl {' '.join(ours_command(PORT_OURS)[1:])}, "
        "BTL_RATE_COMMENT=1000000/60",
        f"hot first page: {data.get('ours_first_page', first_page)} comments (Isso's: "
        f"{data.get('isso_first_page', 'n/a')}), {hot_page:,} bytes HTML, {hot_api:,} "
        f"bytes API; limit = those bytes from memory (bench/limit_app.py under granian, ASGI "
        f"and WSGI, {WORKERS} workers) and from nginx (static file, {WORKERS} workers); Isso 0.14 "
        f"under gunicorn -w 2, guard off, asked for the same first page "
        f"({_isso_page()})" if world.isso else "Isso not available",
        f"subscriber pairs: p50/p90/p99 are per request of the pair; run took {seconds:.0f} s",
        "",
    ]
    text = "\n".join(head) + table.render() + "\n"
    print(text)
    (VAR / "last-run.txt").write_text(text)
    with contextlib.suppress(OSError):
        NOTES.write_text(
            "# `make bench`: last results\n\n"
            f"Command: `{command}` (from /work/main; prints this table and saves it to "
            "var/bench/last-run.txt)\n\n```\n" + text + "```\n")


def git_head() -> str:
    """The commit measured, and whether the tree carried uncommitted changes to the app."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=ROOT).stdout.strip() or "?"
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no",
                              "belowtheline"], capture_output=True, text=True,
                             cwd=ROOT).stdout.splitlines()
    return head + (f" + {len(changed)} uncommitted app files" if changed else "")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("interrupted: everything started was stopped")
        sys.exit(130)
