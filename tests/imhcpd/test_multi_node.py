"""Several machines, no shared disk: two web nodes (gunicorn) and two Celery workers, each in a
working folder of its own (its own VAR_DIR and MEDIA_ROOT, nothing in common), against one
PostgreSQL, one Redis and one S3-compatible server (moto_server, tests/objectstore.py).

What must hold, as a practitioner behind a load balancer would see it: a file uploaded through
node A downloads through node B; an export whose attachment went in through node B, requested
through node A, is made by whichever worker is alive and downloads through node A; and a worker
killed outright in the middle of the render (the whole process group, SIGKILL: a machine lost)
still leaves exactly one finished export, one file and one "ready" notice.

Runs in `.ci/run` (PostgreSQL and a broker configured); skipped in the SQLite run unless
IMHCPD_REQUIRE_WORKER=1 makes a missing set-up an error.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
import requests
from django.db import connection
from kombu import Connection
from kombu.pidbox import Mailbox
from PIL import Image

from portfolios.exports.models import PortfolioExport
from portfolios.models import Attachment
from portfolios.supervision.models import Notification
from tests.conftest import ROOT, _why_no_worker
from tests.factories import PASSWORD, make_evidence
from tests.imhcpd.test_worker import PrivateRedis, _free_port
from tests.objectstore import S3Server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.05)
    return value


class Cluster:
    """The shared services and the four node processes."""

    def __init__(self, tmp: Path, settings: Any) -> None:
        self.tmp = tmp
        self.redis = PrivateRedis()
        self.s3 = S3Server()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}
        db = settings.DATABASES["default"]
        name = connection.settings_dict["NAME"]  # the test database
        self.database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}"
        )

    def start_services(self) -> None:
        self.redis.start()
        self.s3.start()
        self.bucket = self.s3.new_bucket()

    def node_env(self, node: str) -> dict[str, str]:
        home = self.tmp / node
        (home / "var").mkdir(parents=True)
        return {
            **os.environ,
            **self.s3.environment(self.bucket),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.redis.url,
            "IMHCPD_TEST_CACHE_URL": self.redis.url.removesuffix("/0") + "/1",
            # Nothing on disk in common: each node's run folder, var folder and media folder.
            "IMHCPD_TEST_RUN_DIR": str(home),
            "VAR_DIR": str(home / "var"),
            "MEDIA_ROOT": str(home / "media"),
            "ALLOWED_HOSTS": "127.0.0.1",
            # A job of a worker that vanished goes back to the queue after 5 s, not an hour.
            "CELERY_VISIBILITY_TIMEOUT": "5",
        }

    def start_web(self, node: str) -> str:
        port = _free_port()
        env = self.node_env(node)
        self.procs[node] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "imhcpd.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
             "--timeout", "120", "--no-control-socket"],
            cwd=self.tmp / node, env=env, start_new_session=True,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        _wait(lambda: self._answers(url, node), 60, f"web node {node} did not answer")
        return url

    def start_worker(self, node: str) -> subprocess.Popen[bytes]:
        env = self.node_env(node)
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "imhcpd", "worker",
             "--pool", "prefork", "--concurrency", "1", "--loglevel", "WARNING",
             "--hostname", f"{node}@{node}-machine", "--without-gossip", "--without-mingle"],
            cwd=self.tmp / node, env=env, start_new_session=True,
        )  # fmt: skip
        self.procs[node] = proc
        return proc

    def _answers(self, url: str, node: str) -> bool:
        assert self.procs[node].poll() is None, f"{node} exited during start-up"
        try:
            return requests.get(f"{url}/health/live", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def workers_ready(self, names: list[str]) -> bool:
        # Straight through kombu: the Celery app's control API would publish through this
        # process's own producer pool, i.e. to the broker the rest of the suite uses.
        mailbox = Mailbox("celery", type="fanout", accept=["json"], serializer="json")
        with Connection(self.redis.url) as conn:
            replies = mailbox(conn)._broadcast("ping", reply=True, timeout=1)
        answered = {name.split("@")[0] for reply in replies for name in reply}
        return set(names) <= answered

    def kill(self, node: str) -> None:
        """The whole machine gone: the worker and its pool child, no chance to hand back."""
        os.killpg(self.procs[node].pid, signal.SIGKILL)
        self.procs[node].wait(timeout=10)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.s3.stop()
        if self.redis.proc is not None:
            self.redis.stop()


@pytest.fixture
def cluster(settings, tmp_path) -> Iterator[Cluster]:  # type: ignore[no-untyped-def]
    reason = _why_no_worker()
    if reason:
        if os.environ.get("IMHCPD_REQUIRE_WORKER") == "1":
            pytest.fail(f"multi-node test required but cannot run: {reason}")
        pytest.skip(reason)
    nodes = Cluster(tmp_path, settings)
    try:
        nodes.start_services()
        yield nodes
    finally:
        nodes.stop()


def signed_in(base: str, email: str) -> requests.Session:
    """A browser's session, signed in through node `base`'s real login form."""
    browser = requests.Session()
    form = browser.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, "no CSRF token on the login form"
    response = browser.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": token[1], "login": email, "password": PASSWORD},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return browser


def post(browser: requests.Session, url: str, **kwargs: Any) -> requests.Response:
    return browser.post(
        url,
        headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        timeout=60,
        allow_redirects=False,
        **kwargs,
    )


def photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_two_web_nodes_and_two_workers_share_nothing_but_the_services(  # type: ignore[no-untyped-def]
    cluster, practitioner
) -> None:
    node_a = cluster.start_web("web-a")
    node_b = cluster.start_web("web-b")
    browser = signed_in(node_a, practitioner.email)  # one cookie, whichever node answers

    # 1. A file uploaded through node A downloads, byte for byte, through node B.
    first = make_evidence(practitioner.portfolio, kind="other", title="Poster", codes=["2.01"])
    sent = photo((30, 110, 160))
    response = post(
        browser,
        f"{node_a}/portfolio/evidence/{first.pk}/attachments/",
        files={"file": ("poster.jpg", sent, "image/jpeg")},
    )
    assert response.status_code == 302, response.text[:500]
    uploaded = Attachment.objects.get(revision__evidence=first)
    download = browser.get(f"{node_b}/portfolio/attachments/{uploaded.pk}/", timeout=30)
    assert (download.status_code, download.content) == (200, sent)
    assert download.headers["Cache-Control"] == "private, no-store"

    # 2. An attachment through node B, on an item among enough others that the render takes
    # a while; the export is asked for through node A.
    for n in range(60):
        make_evidence(practitioner.portfolio, title=f"A home visit {n}", codes=["1.01", "2.01"])
    second = make_evidence(practitioner.portfolio, kind="other", title="Diagram", codes=["1.02"])
    response = post(
        browser,
        f"{node_b}/portfolio/evidence/{second.pk}/attachments/",
        files={"file": ("diagram.jpg", photo((200, 60, 40)), "image/jpeg")},
    )
    assert response.status_code == 302, response.text[:500]
    for home in ("web-a", "web-b"):  # nothing of either upload on either node's disk
        assert not (cluster.tmp / home / "media").exists()

    workers = {name: cluster.start_worker(name) for name in ("worker-1", "worker-2")}
    _wait(lambda: cluster.workers_ready(list(workers)), 60, "both workers did not answer")
    response = post(
        browser, f"{node_a}/portfolio/exports/", data={"kind": "portfolio", "level": "2"}
    )
    assert response.status_code == 302, response.text[:500]
    export = PortfolioExport.objects.get()

    # 3. Whichever worker starts it is killed outright while it renders.
    def started_by() -> str | None:
        export.refresh_from_db()
        if export.status == "running" and export.worker_pid:
            for name, proc in workers.items():
                if os.getpgid(export.worker_pid) == proc.pid:
                    return name
        assert export.status in ("pending", "running"), export.status
        return None

    doomed = _wait(started_by, 60, "no worker started the export")
    cluster.kill(doomed)
    export.refresh_from_db()
    assert export.status == "running", "the render finished before its worker was killed"
    survivor = next(name for name in workers if name != doomed)
    assert workers[survivor].poll() is None

    # 4. The job comes back from the broker to the survivor. Their names say they are on two
    # machines, so the survivor cannot look for the first start's process: it asks the broker
    # whether the worker that started it answers, hears nothing, takes it over and finishes
    # it: once.
    def finished() -> bool:
        export.refresh_from_db()
        return export.is_finished

    _wait(finished, 180, "the export was not finished after its worker was killed")
    assert export.status == "done", export.error
    moves = list(export.events.order_by("pk").values_list("from_status", "to_status", "detail"))
    assert [m[:2] for m in moves] == [
        ("", "pending"),
        ("pending", "running"),
        ("running", "pending"),
        ("pending", "running"),
        ("running", "done"),
    ], moves
    assert "previous worker lost" in moves[2][2]
    assert cluster.s3.keys(cluster.bucket, "exports/") == [export.file.name]
    ready = Notification.objects.filter(user=practitioner, url__endswith=f"/{export.pk}/")
    assert ready.count() == 1

    # 5. The PDF, made by the survivor from a file node B stored, downloads through node A.
    pdf = browser.get(f"{node_a}/portfolio/exports/{export.pk}/download/", timeout=60)
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    sizes = {(image.image.width, image.image.height) for p in reader.pages for image in p.images}
    assert sizes == {(800, 600)}, "both photos are drawn (one size, shared by every page)"
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Diagram" in text and "A home visit 59" in text
