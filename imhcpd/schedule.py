"""The periodic tasks beat runs (CELERY_BEAT_SCHEDULE). Settings only: kept apart so that
settings.py stays readable; every entry is a task that is safe to run again."""

from __future__ import annotations

from celery.schedules import crontab


def beat_schedule(*, outbox_retry_minutes: int) -> dict[str, dict[str, object]]:
    return {
        # The outbox: what a request's nudge could not hand over (broker down) goes within a
        # minute; deferred messages (SMTP trouble) are tried again on their own schedule.
        "send-queued-mail": {
            "task": "imhcpd.tasks.send_queued_mail",
            "schedule": 60,
        },
        "retry-deferred-mail": {
            "task": "imhcpd.tasks.retry_deferred_mail",
            "schedule": outbox_retry_minutes * 60,
        },
        "purge-mail-log": {
            "task": "imhcpd.tasks.purge_mail_log",
            "schedule": 24 * 60 * 60,
        },
        "clear-expired-sessions": {
            "task": "imhcpd.tasks.clear_expired_sessions",
            "schedule": 6 * 60 * 60,
        },
        # Hourly, not weekly: a missed run (deploy, outage) is made up within the hour, and the
        # DigestSent row keeps it to one email per supervisor per ISO week.
        "weekly-supervisor-digest": {
            "task": "portfolios.supervision.tasks.send_weekly_digests",
            "schedule": 60 * 60,
        },
        # Exports left pending (broker down at request time) or running on a lost worker.
        "requeue-stale-exports": {
            "task": "portfolios.exports.tasks.requeue_stale_exports",
            "schedule": 5 * 60,
        },
        "register-reminders-and-lapses": {
            "task": "register.tasks.renewal_reminders_and_lapses",
            "schedule": 60 * 60,
        },
        # Daily in the morning (CELERY_TIMEZONE is London), so the email arrives in working
        # hours; beat runs a missed crontab once when it starts again, and the reminder rows
        # keep each reminder to one email.
        "revalidation-reminders": {
            "task": "portfolios.exports.revalidation.tasks.send_revalidation_reminders",
            "schedule": crontab(hour=8, minute=30),
        },
        "retry-file-removals": {
            "task": "imhcpd.tasks.retry_file_removals",
            "schedule": 10 * 60,
        },
        "expire-exports": {
            "task": "portfolios.exports.tasks.expire_exports",
            "schedule": 6 * 60 * 60,
        },
    }
