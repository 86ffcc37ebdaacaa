from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from kombu import Connection

logger = logging.getLogger(__name__)


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure means "not healthy"; the reason goes to the log
        logger.exception("Health check: database unavailable")
        return False


def _check_broker() -> bool:
    # A fresh connection, not Celery's pool: a pooled connection can look alive after
    # the broker has gone.
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return True
    except Exception:
        logger.exception("Health check: broker unavailable")
        return False


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No dependency is asked, so a database or Redis outage
    never makes an orchestrator restart every web node, nor a load balancer drop them."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: the database answers, and the broker when one is configured. 503 takes this
    node out of rotation until they are back; requests it still gets do not fail because of
    the broker (mail waits in the outbox, exports are queued again)."""
    checks = {"database": "ok" if _check_database() else "failing"}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = "ok" if _check_broker() else "failing"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks},
        status=200 if healthy else 503,
    )


# `/health`, as before this split: the readiness check under its old address.
health = ready


@require_safe
def page(request: HttpRequest, template: str) -> HttpResponse:
    """The service's fixed pages: accessibility statement, privacy notice, contact."""
    return render(
        request,
        f"pages/{template}.html",
        {
            "contact_email": settings.CONTACT_EMAIL,
            "accessibility_reviewed": settings.ACCESSIBILITY_STATEMENT_REVIEWED,
        },
    )
