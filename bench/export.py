"""Benchmark: a 300-item portfolio exported to PDF through a real Celery worker.

Builds a portfolio of `--items` evidence items (each with a ~300-word reflection) linked
across all 63 competencies, a third of them signed off, then:

* end to end: request → snapshot → Redis → worker (prefork, one child, as in production)
  → WeasyPrint → stored file → done, timed from the request until the row says done;
* bare render: the same HTML rendered by plain WeasyPrint (its defaults, tagged PDF) in a
  fresh interpreter with nothing else loaded;
* the worker's peak memory: VmHWM of the pool process that rendered;
* large images: a second portfolio of `--image-items` items, each with one camera-sized
  attachment (8000 × 6000 JPEGs, and every fourth a 6000 × 4000 transparent PNG, the largest
  PNG a PDF draws), exported through the same worker; its peak is measured from a reset
  high-water mark, so it is the image render's own.

Runs against a throwaway SQLite file (or DATABASE_URL) and Redis at CELERY_BROKER_URL
(default redis://127.0.0.1:6379/13). The worker is warmed up with a one-item export first,
as a long-running production worker would be. The last line is one JSON object.

    .venv/bin/python bench/export.py              # --items 300
    .venv/bin/python bench/export.py --repeat 3   # median of three end-to-end runs
    .venv/bin/python bench/export.py --image-items 0   # without the large-image case

Targets: end to end ≤ 20 s, overhead over the bare render ≤ 25 %, worker peak ≤ 600 MB.
It exits 0 either way: it measures.

`--throughput` measures something else: exports per minute with 1 and 2 worker processes, ten
exports of 100-item portfolios queued at once, on PostgreSQL (bench/export_throughput.py).

    .venv/bin/python bench/export.py --throughput               # --workers 1,2 --items 100
    .venv/bin/python bench/export.py --throughput --separate    # N one-process workers
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import export_throughput  # noqa: E402
from bench.portfolio import CPD_TITLES, PROVIDERS, _text  # noqa: E402

DEFAULT_ITEMS = 300
TARGET_E2E_S = 20.0
TARGET_OVERHEAD_PCT = 25.0
TARGET_RSS_MB = 600.0


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _reset_peak(pid: int) -> bool:
    """Linux: writing 5 to clear_refs resets VmHWM, so the next peak is the next job's."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _camera_jpeg(seed: int) -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (8000, 6000), (180 + seed % 60, 120, 40))
    draw = ImageDraw.Draw(image)
    for n in range(0, 8000, 400):  # some detail, so it is not a flat colour
        draw.rectangle((n, 0, n + 150, 6000), fill=(40, (n + seed * 7) % 255, 160))
    exif = image.getexif()
    exif[0x0112] = 6  # taken sideways
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def _big_png(seed: int) -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (6000, 4000), (20, 60, 160, 180))
    ImageDraw.Draw(image).ellipse((500, 500, 5500, 3500), fill=(200, seed % 255, 40, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


TODAY = dt.date(2026, 11, 1)


def competencies(framework: Any) -> tuple[list[str], dict[str, Any]]:
    """The framework's competency codes in order, and each competency by its code."""
    from competencies.models import Competency

    found = list(Competency.objects.filter(framework=framework).order_by("order"))
    return [c.code for c in found], {c.code: c for c in found}


def build_portfolio(
    user: Any, supervisor: Any, framework: Any, *, items: int, words: int, rng: random.Random
) -> Any:
    """A portfolio of `items` evidence items through the services: mixed kinds over three
    years, linked across every competency, a third signed off by `supervisor`."""
    from portfolios import services
    from portfolios.supervision.services import evidence_submit, review_sign_off
    from tests.factories import make_portfolio, make_supervision

    codes, by_code = competencies(framework)
    portfolio = make_portfolio(user, framework)
    supervision = make_supervision(portfolio, supervisor)
    for i in range(items):
        linked = [codes[i % len(codes)], *rng.sample(codes, rng.randrange(0, 2))]
        links = [
            services.LinkInput(competency=by_code[c], rationale=f"This shows {c} in my practice.")
            for c in dict.fromkeys(linked)
        ]
        date = TODAY - dt.timedelta(days=rng.randrange(3 * 365))
        roll = i % 10
        if roll < 7:
            kind, hours, participatory = "reflective_account", None, None
            third = words // 3
            details = {
                "what_happened": _text(rng, third),
                "so_what": _text(rng, third),
                "now_what": _text(rng, words - 2 * third),
            }
            title = f"Reflection {i + 1}: noticing a baby's cues"
        elif roll < 9:
            kind, hours, participatory = "cpd_activity", Decimal(rng.randrange(2, 29)) / 4, True
            details = {"provider": rng.choice(PROVIDERS), "learning": _text(rng, words)}
            title = rng.choice(CPD_TITLES)
        else:
            kind, hours, participatory = "supervision", Decimal("1.50"), None
            details = {
                "supervisor_name": "Clinical supervisor",
                "format": "individual",
                "themes": _text(rng, words // 2),
                "learning": _text(rng, words // 2),
            }
            title = "Reflective supervision"
        evidence = services.evidence_create(
            portfolio=portfolio,
            kind=kind,
            data=services.EvidenceInput(
                title=title,
                date=date,
                hours=hours,
                is_participatory=participatory,
                details=details,
                links=links,
            ),
            by=user,
        )
        if i % 3 == 0:
            submitted = evidence_submit(evidence=evidence, supervision=supervision, by=user)
            review_sign_off(revision=submitted, by=supervisor, declared=True)
    return portfolio


def start_worker(
    env: dict[str, str],
    *,
    name: str,
    concurrency: int,
    queues: str | None = None,
    purge: bool = True,
    extra: tuple[str, ...] = (),
) -> subprocess.Popen[bytes]:
    """A real `celery worker` (prefork) as a separate process, as production runs it."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "imhcpd",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "WARNING",
        "--hostname",
        f"{name}@%h",
        "--without-gossip",
        "--without-mingle",
        *(["--queues", queues] if queues else []),
        *(["--purge"] if purge else []),
        *extra,
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def prepare(tmp: str, *, framework: bool = True) -> Any:
    """Django on the benchmark's database (DATABASE_URL, set by the caller) with a real
    broker; migrated, and with `framework` the shipped framework imported and returned."""
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
    os.environ["IMHCPD_TEST_RUN_DIR"] = tmp
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from competencies.formats import parse_framework
    from competencies.services import framework_import

    if connection.vendor == "sqlite":
        # Two processes share the file: wait for the other's write lock instead of failing.
        connection.settings_dict["OPTIONS"]["timeout"] = 30
    call_command("migrate", verbosity=0)
    if not framework:
        return None
    raw = (ROOT / "fixtures" / "imhcf.json").read_bytes()
    return framework_import(data=parse_framework(raw, fmt="json"), activate=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, help=f"default {DEFAULT_ITEMS}")
    parser.add_argument("--words", type=int, default=300, help="words per reflection")
    parser.add_argument("--repeat", type=int, default=1, help="end-to-end runs (median)")
    parser.add_argument("--save-html", type=Path, help="write the rendered HTML here")
    parser.add_argument(
        "--image-items", type=int, default=40, help="items with a large image (0: skip)"
    )
    export_throughput.add_arguments(parser)
    args = parser.parse_args()
    if args.throughput:
        export_throughput.main(args)
        return
    args.items = args.items or DEFAULT_ITEMS

    tmp = tempfile.mkdtemp(prefix="imhcpd-bench-export-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
    framework = prepare(tmp)

    from django.db import connection

    from imhcpd.celery import app as celery_app
    from imhcpd.models import User
    from portfolios import services
    from portfolios.exports import services as exports
    from portfolios.exports import worker as export_worker
    from portfolios.exports.models import PortfolioExport
    from portfolios.exports.pdf import render_html
    from portfolios.exports.snapshot import ExportOptions
    from tests.factories import make_portfolio

    print(f"building a portfolio of {args.items} items ({args.words}-word reflections)…")
    built = time.monotonic()
    rng = random.Random(6)
    user = User.objects.create_user(email="bench@example.org", full_name="Bench Practitioner")
    supervisor = User.objects.create_user(
        email="bench-supervisor@example.org", full_name="Bench Supervisor"
    )
    build_portfolio(user, supervisor, framework, items=args.items, words=args.words, rng=rng)
    today = TODAY
    codes, by_code = competencies(framework)
    print(f"  built in {time.monotonic() - built:.1f} s")

    settings_db = connection.settings_dict
    env = {**os.environ}
    if settings_db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{settings_db['NAME']}"
    worker = start_worker(env, name="imhcpd-bench", concurrency=1)
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts it slowly
        while not celery_app.control.ping(timeout=1):
            if worker.poll() is not None or time.monotonic() > deadline:
                sys.exit("the Celery worker did not start (is Redis running?)")

        pool_pids: list[int] = []  # the pool process that rendered (the row forgets it)

        def run(owner: User, level: int) -> tuple[PortfolioExport, float, float | None]:
            started = time.monotonic()
            export, _ = exports.export_request(
                user=owner, options=ExportOptions(kind="portfolio", level=level)
            )
            pid = None
            while True:
                export.refresh_from_db()
                pid = pid or export.worker_pid
                if export.status in ("done", "failed"):
                    break
                time.sleep(0.05)
            elapsed = time.monotonic() - started
            if pid:
                pool_pids.append(pid)
            if export.status != "done":
                sys.exit(f"export failed: {export.error}")
            return export, elapsed, _peak_rss_mb(pid) if pid else None

        warm = User.objects.create_user(email="bench-warm@example.org", full_name="Warm Up")
        make_portfolio(warm, framework)
        run(warm, 2)

        timings, peaks = [], []
        export = None
        for level in [1, 2, 3] * args.repeat:  # each level is new content: never a cached file
            if len(timings) == args.repeat:
                break
            export, elapsed, peak = run(user, level)
            timings.append(elapsed)
            peaks.append(peak or 0.0)
            print(f"  end to end: {elapsed:.2f} s, {export.page_count} pages")
        assert export is not None

        images: dict[str, float | int] = {}
        if args.image_items:
            from django.core.files.uploadedfile import SimpleUploadedFile

            print(f"building a portfolio of {args.image_items} items with a large image each…")
            owner = User.objects.create_user(
                email="bench-images@example.org", full_name="Bench Photographer"
            )
            make_portfolio(owner, framework)
            uploaded = 0
            for i in range(args.image_items):
                evidence = services.evidence_create(
                    portfolio=owner.portfolio,
                    kind="other",
                    data=services.EvidenceInput(
                        title=f"Photo {i + 1} of the sensory corner",
                        date=today - dt.timedelta(days=i),
                        hours=None,
                        is_participatory=None,
                        details={"description": _text(rng, 60)},
                        links=[
                            services.LinkInput(
                                competency=by_code[codes[i % len(codes)]],
                                rationale="The photo shows the space I set up.",
                            )
                        ],
                    ),
                    by=owner,
                )
                png = i % 4 == 3
                body = _big_png(i) if png else _camera_jpeg(i)
                uploaded += len(body)
                services.attachment_add(
                    evidence=evidence,
                    upload=SimpleUploadedFile(f"photo-{i}.png" if png else f"photo-{i}.jpg", body),
                    by=owner,
                )
            reset = bool(pool_pids) and _reset_peak(pool_pids[-1])
            image_export, image_s, image_peak = run(owner, 2)
            images = {
                "image_items": args.image_items,
                "image_uploaded_bytes": uploaded,
                "image_pages": image_export.page_count or 0,
                "image_bytes": image_export.file_size or 0,
                "image_end_to_end_s": round(image_s, 2),
                "image_worker_peak_rss_mb": round(image_peak or 0.0, 1),
                "image_peak_reset": reset,
            }
            print(
                f"  large images: {image_s:.2f} s, {image_export.page_count} pages, "
                f"{image_export.file_size} bytes (uploads {uploaded} bytes), "
                f"worker peak {image_peak or 0:.0f} MB"
                + ("" if reset else " (high-water mark not reset: includes the 300 items)")
            )
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    html = render_html(export.snapshot, export_worker._meta(export))
    html_path = Path(tmp) / "export.html"
    html_path.write_text(html)
    if args.save_html:
        args.save_html.write_text(html)
    # Plain WeasyPrint with its defaults, in a fresh interpreter: no Django, no Celery, no
    # database, no heap left over from building the portfolio.
    bare_code = (
        "import sys, time; from weasyprint import HTML; html = open(sys.argv[1]).read(); "
        "t = time.monotonic(); HTML(string=html, base_url='http://127.0.0.1:8000')"
        ".write_pdf(pdf_tags=True); print(time.monotonic() - t)"
    )
    bare = []
    for _ in range(args.repeat):
        out = subprocess.run(
            [sys.executable, "-c", bare_code, str(html_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        bare.append(float(out.stdout.strip().splitlines()[-1]))

    end_to_end = statistics.median(timings)
    bare_s = statistics.median(bare)
    overhead = 100 * (end_to_end - bare_s) / bare_s
    peak = max(peaks)
    print(f"pages {export.page_count}, bytes {export.file_size}")
    print(f"end to end {end_to_end:.2f} s (target ≤ {TARGET_E2E_S} s)")
    print(
        f"bare WeasyPrint render {bare_s:.2f} s; "
        f"overhead {overhead:.1f} % (≤ {TARGET_OVERHEAD_PCT})"
    )
    print(f"worker pool process peak RSS {peak:.0f} MB (≤ {TARGET_RSS_MB})")
    print(
        json.dumps(
            {
                "items": args.items,
                "pages": export.page_count,
                "bytes": export.file_size,
                "end_to_end_s": round(end_to_end, 2),
                "bare_render_s": round(bare_s, 2),
                "overhead_pct": round(overhead, 1),
                "worker_peak_rss_mb": round(peak, 1),
                **images,
            }
        )
    )


if __name__ == "__main__":
    main()
