"""Benchmark: framework import/export and the public framework pages.

Runs against a throwaway SQLite database (or DATABASE_URL if set) and prints a table;
the last line is one JSON object with every figure, for comparing runs.

    make bench            # or: .venv/bin/python bench/framework_pages.py --repeat 50
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per figure")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="imhcpd-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from competencies.formats import parse_framework, to_csv, to_json
    from competencies.selectors import framework_to_data
    from competencies.services import framework_import

    setup_test_environment()
    call_command("migrate", verbosity=0)
    raw = (ROOT / "fixtures" / "imhcf.json").read_bytes()

    def timed(fn, repeat: int = args.repeat) -> float:  # type: ignore[no-untyped-def]
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        return statistics.median(samples) * 1000

    figures: dict[str, float | int] = {}
    figures["parse_json_ms"] = round(timed(lambda: parse_framework(raw, fmt="json")), 2)
    data = parse_framework(raw, fmt="json")
    counter = iter(range(10**6))
    figures["import_ms"] = round(
        timed(
            lambda: framework_import(
                data=dataclasses.replace(data, version=f"bench-{next(counter)}")
            ),
            repeat=max(3, args.repeat // 4),
        ),
        2,
    )
    framework = framework_import(data=data, activate=True)
    figures["export_json_ms"] = round(timed(lambda: to_json(framework_to_data(framework))), 2)
    figures["export_csv_ms"] = round(timed(lambda: to_csv(framework_to_data(framework))), 2)

    client = Client()
    pages = {
        "overview": "/framework/",
        "domain": "/framework/domains/1/level/2/",
        "competency": "/framework/competencies/4.02/",
        "search": "/framework/search/?q=attachment",
    }
    for name, url in pages.items():
        assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        figures[f"{name}_queries"] = len(queries)
        figures[f"{name}_ms"] = round(timed(lambda url=url: client.get(url)), 2)

    width = max(len(k) for k in figures)
    print(f"IMH CPD framework benchmark ({connection.vendor}, median of {args.repeat})")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
