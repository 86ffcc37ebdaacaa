"""Export throughput with 1 and 2 worker processes: `bench/export.py --throughput`.

Builds, once, `--exports` practitioners (10) with a portfolio of `--items` items each (default
100: a render of a few seconds, so ten take a minute or two on one process), the same mix as
the latency mode. Then for each count in `--workers` (1,2) it starts a real Celery worker
with that many pool processes (`celery worker --concurrency N`, the production shape: see
below), holds it off the queue until it answers, queues one export per practitioner through
the request service (`export_request`: snapshot → row → Redis), lets the worker consume, and
polls the database until every row is done. Throughput is the exports over the window from
the first render starting to the last one finishing (the rows' own timestamps), so neither
worker start-up nor the requests are counted. The exports are then expired through the
housekeeping service so the next round renders the same content again.

Why `--concurrency N` and not N workers of one process each: it is what docker-compose runs
on a node (one worker, `--concurrency 2`, `--max-memory-per-child`, both copied here), and the
pool processes are what renders in parallel. `--separate` runs N one-process workers instead
(the shape of several nodes); on one machine the two measure the same thing.

Runs against PostgreSQL (DATABASE_URL, default .../imhcpd_bench_export, dropped and made
again each run) and Redis at CELERY_BROKER_URL (default redis://127.0.0.1:6379/12, emptied
before each round). Target: ≥ 1.7× the exports per minute with 2 processes as with 1, on a
2-core machine. The last line is one JSON object; it exits 0 either way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ensure_database

TARGET_RATIO = 1.7
DEFAULT_ITEMS = 100
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/imhcpd_bench_export"
DEFAULT_BROKER = "redis://127.0.0.1:6379/12"
# The worker is started listening only to this queue, which nothing uses: it is fully up
# (Django loaded, pool forked) before it takes its first export.
HOLD_QUEUE = "imhcpd-bench-hold"
# As docker-compose runs the worker: a pool process over 600 MB is replaced after its job.
WORKER_FLAGS = ("--max-memory-per-child", "600000")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("throughput mode")
    group.add_argument(
        "--throughput", action="store_true", help="exports per minute with 1 and 2 processes"
    )
    group.add_argument("--exports", type=int, default=10, help="exports queued per round")
    group.add_argument("--workers", default="1,2", help="pool processes per round")
    group.add_argument(
        "--separate", action="store_true", help="N one-process workers instead of one worker"
    )
    group.add_argument("--rebuild", action="store_true", help="drop the database and build")
    group.add_argument("--build-only", action="store_true", help="build the data, then stop")


def _children(pids: set[int]) -> list[int]:
    """The processes whose parent is one of `pids` (the workers' pool processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) in pids:
            found.append(int(entry.name))
    return found


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every core."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _round(processes: int, owners: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    """Queue one export per owner to `processes` pool processes; time it from the rows."""
    from django.db import connection

    from bench.export import start_worker
    from imhcpd.celery import app as celery_app
    from portfolios.exports import services as exports
    from portfolios.exports import worker as export_worker
    from portfolios.exports.models import PortfolioExport
    from portfolios.exports.snapshot import ExportOptions

    celery_app.control.purge()
    env = {**os.environ}
    if args.separate:
        workers = [
            start_worker(
                env,
                name=f"imhcpd-bench-{n}",
                concurrency=1,
                queues=HOLD_QUEUE,
                purge=False,
                extra=WORKER_FLAGS,
            )
            for n in range(processes)
        ]
    else:
        workers = [
            start_worker(
                env,
                name="imhcpd-bench",
                concurrency=processes,
                queues=HOLD_QUEUE,
                purge=False,
                extra=WORKER_FLAGS,
            )
        ]
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts them slowly
        names: list[str] = []
        while len(names) < len(workers):
            if any(w.poll() is not None for w in workers) or time.monotonic() > deadline:
                raise SystemExit("the Celery workers did not start (is Redis running?)")
            names = [name for reply in celery_app.control.ping(timeout=1) for name in reply]
        pool = _children({w.pid for w in workers})
        while len(pool) < processes:  # forked just after the worker answers
            time.sleep(0.1)
            pool = _children({w.pid for w in workers})

        ids = []
        for owner in owners:
            export, created = exports.export_request(
                user=owner, options=ExportOptions(kind="portfolio", level=2)
            )
            if not created:
                raise SystemExit(f"export {export.pk} was not new: the round would not render")
            ids.append(export.pk)
        connection.close()  # the polls below are cheap; no transaction held open meanwhile

        cpu_before = {pid: _cpu_s(pid) for pid in pool}
        busy_before, total_before = _machine_busy()
        released = time.monotonic()
        celery_app.control.add_consumer("celery", destination=names, reply=True)
        renderers: dict[int, set[int]] = {}  # pool pid → exports it was seen rendering
        timeout = time.monotonic() + 600 + 60 * args.exports
        while True:
            rows = list(
                PortfolioExport.objects.filter(pk__in=ids).values_list("pk", "status", "worker_pid")
            )
            for pk, _, pid in rows:
                if pid:
                    renderers.setdefault(pid, set()).add(pk)
            if all(status in ("done", "failed") for _, status, _ in rows):
                break
            if time.monotonic() > timeout:
                raise SystemExit("the exports did not finish in time")
            time.sleep(0.5)
        wall = time.monotonic() - released
        busy_after, total_after = _machine_busy()
        cpu = {pid: _cpu_s(pid) - before for pid, before in cpu_before.items()}
        peaks = [_peak_rss_mb(pid) for pid in _children({w.pid for w in workers})]
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=60)

    done = list(PortfolioExport.objects.filter(pk__in=ids).order_by("started_at"))
    failed = [e for e in done if e.status != "done"]
    if failed:
        raise SystemExit(f"{len(failed)} exports failed: {failed[0].error}")
    window = (max(e.finished_at for e in done) - min(e.started_at for e in done)).total_seconds()
    renders = [(e.finished_at - e.started_at).total_seconds() for e in done]
    # Expired through the housekeeping service, so the same request makes a new export.
    export_worker.expire_exports(now=max(e.expires_at for e in done) + dt.timedelta(seconds=1))
    busy = busy_after - busy_before
    return {
        "processes": processes,
        "exports_per_min": round(60 * len(done) / window, 2),
        "window_s": round(window, 1),
        "wall_s": round(wall, 1),
        "render_median_s": round(statistics.median(renders), 2),
        "render_max_s": round(max(renders), 2),
        "pages": done[0].page_count,
        "bytes": done[0].file_size,
        "per_process": sorted(len(v) for v in renderers.values()),
        "pool_cpu_s": round(sum(cpu.values()), 1),
        "pool_cpu_per_export_s": round(sum(cpu.values()) / len(done), 2),
        # Of the machine's cores over the round: 1.0 is every core busy the whole time.
        "machine_busy": round(busy / (total_after - total_before), 2),
        "others_cpu_s": round(max(0.0, busy - sum(cpu.values())), 1),
        "worker_peak_rss_mb": round(max(peaks, default=0.0), 1),
    }


def _build(framework: Any, args: argparse.Namespace, items: int) -> list[Any]:
    from bench.export import build_portfolio
    from imhcpd.models import User

    print(f"building {args.exports} portfolios of {items} items ({args.words}-word reflections)…")
    built = time.monotonic()
    rng = random.Random(6)
    supervisor = User.objects.create_user(
        email="bench-supervisor@example.org", full_name="Bench Supervisor"
    )
    owners = []
    for n in range(args.exports):
        owner = User.objects.create_user(
            email=f"bench-{n}@example.org", full_name=f"Bench Practitioner {n + 1}"
        )
        build_portfolio(owner, supervisor, framework, items=items, words=args.words, rng=rng)
        owners.append(owner)
    print(f"  built in {time.monotonic() - built:.1f} s")
    return owners


def _reuse(tmp: str, args: argparse.Namespace, items: int) -> list[Any]:
    """The practitioners of an earlier build, if it is the same size (else: --rebuild)."""
    from bench.export import prepare

    prepare(tmp, framework=False)
    from django.db.models import Count

    from imhcpd.models import User

    owners = list(
        User.objects.filter(email__startswith="bench-", portfolio__isnull=False)
        .annotate(items=Count("portfolio__evidence"))
        .order_by("pk")
    )
    if len(owners) != args.exports or any(o.items != items for o in owners):
        raise SystemExit(
            f"the database holds {len(owners)} portfolios of "
            f"{sorted({o.items for o in owners})} items, not {args.exports} of {items}: "
            "run with --rebuild"
        )
    # An interrupted run leaves exports that the same request would return instead of making.
    from portfolios.exports import worker as export_worker
    from portfolios.exports.models import PortfolioExport

    left = PortfolioExport.objects.filter(status__in=("pending", "running"))
    for export in left:
        export_worker.export_fail(export=export, reason="The benchmark was interrupted.")
    export_worker.expire_exports(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=3650))
    print(f"reusing {len(owners)} portfolios of {items} items")
    return owners


def main(args: argparse.Namespace) -> None:
    items = args.items or DEFAULT_ITEMS
    counts = [int(n) for n in args.workers.split(",")]
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("CELERY_BROKER_URL", DEFAULT_BROKER)
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("the throughput mode runs on PostgreSQL (DATABASE_URL=postgres://…)")
    from bench.export import prepare

    new = ensure_database(os.environ["DATABASE_URL"], args.rebuild)
    tmp = tempfile.mkdtemp(prefix="imhcpd-bench-export-")
    if new:
        framework = prepare(tmp)
        owners = _build(framework, args, items)
    else:
        owners = _reuse(tmp, args, items)
    if args.build_only:
        return
    shape = "one-process workers" if args.separate else "pool processes in one worker"
    rounds = []
    for processes in counts:
        print(f"{args.exports} exports, {processes} {shape}…")
        result = _round(processes, owners, args)
        rounds.append(result)
        print(
            f"  {result['exports_per_min']:.2f} exports/min: {result['window_s']} s from the "
            f"first start to the last finish ({result['wall_s']} s after release); render "
            f"median {result['render_median_s']} s, {result['pages']} pages; per process "
            f"{result['per_process']}; pool CPU {result['pool_cpu_s']} s, machine busy "
            f"{100 * result['machine_busy']:.0f} %, others {result['others_cpu_s']} s; "
            f"peak {result['worker_peak_rss_mb']:.0f} MB"
        )
    fewest = min(rounds, key=lambda r: r["processes"])
    most = max(rounds, key=lambda r: r["processes"])
    ratio = round(most["exports_per_min"] / fewest["exports_per_min"], 2)
    print(
        f"ratio {most['processes']} : {fewest['processes']} processes = {ratio:.2f} "
        f"(target ≥ {TARGET_RATIO}) on {os.cpu_count()} cores"
    )
    print(
        json.dumps(
            {
                "mode": "throughput",
                "exports": args.exports,
                "items": items,
                "shape": "separate" if args.separate else "concurrency",
                "cores": os.cpu_count(),
                "rounds": rounds,
                "ratio": ratio,
                "target_ratio": TARGET_RATIO,
            }
        )
    )


if __name__ == "__main__":
    raise SystemExit("run it as: .venv/bin/python bench/export.py --throughput")
