"""No table is dropped or recreated: a database at the previous main migrates in place.

The test winds the database back to the previous main's migrations, puts a row in every
table of the project through the historical models (the moved supervision and export
tables, the register's and the many-to-many ones included), photographs every table with
plain SQL, runs the new migrations and then finds every row again: same tables, same columns,
same primary keys, same values, and no schema statement run on the way. Content types,
their permission and an admin log entry follow the models to their new apps, and the
current models read the rows with their foreign keys intact.

The helpers live in tests/imhcpd/migration_rows.py and are first shown to report a loss.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from tests.imhcpd.migration_rows import (
    Snapshot,
    compare_snapshots,
    ddl_statements,
    empty_tables,
    fill_every_table,
    snapshot_rows,
)

# The leaves of the previous main, for the apps this change touches. Apps not named here
# (auth, contenttypes, allauth...) stay at their current leaves.
PREVIOUS_MAIN: dict[str, str | None] = {
    "imhcpd": "0002_register_admins_group",
    "competencies": "0002_initial",
    "portfolios": "0003_exports",
    "register": "0001_register",
    "supervision": None,  # did not exist
    "exports": None,
}
NEW_MIGRATIONS = {
    ("supervision", "0001_initial"),
    ("exports", "0001_initial"),
    ("register", "0002_moved_models"),
    ("portfolios", "0004_supervision_and_exports_apps"),
}
# Where the split leaves each project app. Later migrations (new columns, data steps) are
# not part of this test: it checks the split from the previous main, then moves on to the
# latest leaves before reading with the current models.
SPLIT: dict[str, str | None] = {
    **PREVIOUS_MAIN,
    **{app: name for app, name in NEW_MIGRATIONS},
}
OLD_PROJECT_APPS = ("imhcpd", "competencies", "portfolios", "register")
NEW_PROJECT_APPS = (*OLD_PROJECT_APPS, "supervision", "exports")

# Model (lower case, as in django_content_type.model) -> the app it moved to.
MOVED = {
    "supervision": "supervision",
    "supervisionevent": "supervision",
    "review": "supervision",
    "comment": "supervision",
    "notification": "supervision",
    "notificationpreference": "supervision",
    "digestsent": "supervision",
    "portfolioexport": "exports",
    "exportevent": "exports",
    "practicehours": "exports",
    "reflectivediscussion": "exports",
}

# Named so that a filler that silently skipped a table, or a model that changed its
# db_table, is caught; the filler itself covers whatever the old state has.
MUST_HAVE_ROWS = {
    "imhcpd_user",
    "imhcpd_user_groups",
    "imhcpd_user_user_permissions",
    "competencies_framework",
    "competencies_frameworkevent",
    "competencies_level",
    "competencies_domain",
    "competencies_competency",
    "competencies_descriptor",
    "portfolios_portfolio",
    "portfolios_profilechange",
    "portfolios_selfassessment",
    "portfolios_evidence",
    "portfolios_evidencerevision",
    "portfolios_evidencelink",
    "portfolios_evidenceevent",
    "portfolios_attachment",
    "portfolios_developmentgoal",
    "portfolios_developmentgoal_competencies",
    "portfolios_goalevent",
    "portfolios_supervision",
    "portfolios_review",
    "portfolios_comment",
    "portfolios_notification",
    "portfolios_notificationpreference",
    "portfolios_digestsent",
    "portfolios_supervisionevent",
    "portfolios_portfolioexport",
    "portfolios_exportevent",
    "portfolios_practicehours",
    "portfolios_reflectivediscussion",
    "register_application",
    "register_applicationsnapshot",
    "register_applicationevent",
    "register_endorsement",
    "register_reference",
    "register_inforequest",
    "register_adminnote",
    "register_registerentry",
    "register_entryevent",
    "register_remindersent",
    "register_renewal",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "django_admin_log",
}


# --- The helpers can fail ---------------------------------------------------------------------


def _photo() -> Snapshot:
    return {
        "portfolios_review": {
            (1,): {"id": 1, "outcome": "signed_off", "revision_id": 7},
            (2,): {"id": 2, "outcome": "returned", "revision_id": 8},
        },
        "django_content_type": {(3,): {"id": 3, "app_label": "portfolios", "model": "review"}},
        "django_migrations": {(1,): {"id": 1, "app": "portfolios", "name": "0003_exports"}},
    }


def test_compare_finds_nothing_when_nothing_changed() -> None:
    assert compare_snapshots(_photo(), _photo()) == []


def test_compare_reports_a_missing_row() -> None:
    after = _photo()
    del after["portfolios_review"][(2,)]
    problems = compare_snapshots(_photo(), after)
    assert "portfolios_review: rows missing, primary keys [(2,)]" in problems
    assert "portfolios_review: 2 rows before, 1 after" in problems


def test_compare_reports_a_dropped_table() -> None:
    after = _photo()
    del after["portfolios_review"]
    assert compare_snapshots(_photo(), after) == ["portfolios_review: table is gone (2 rows)"]


def test_compare_reports_renumbered_rows_a_recreated_table_would_show() -> None:
    after = _photo()
    after["portfolios_review"] = {
        (3,): {"id": 3, "outcome": "signed_off", "revision_id": 7},
        (4,): {"id": 4, "outcome": "returned", "revision_id": 8},
    }
    problems = compare_snapshots(_photo(), after)
    assert "portfolios_review: rows missing, primary keys [(1,), (2,)]" in problems
    assert "portfolios_review: rows appeared, primary keys [(3,), (4,)]" in problems


def test_compare_reports_changed_values_and_lost_columns() -> None:
    after = _photo()
    after["portfolios_review"][(1,)]["revision_id"] = None
    del after["portfolios_review"][(2,)]["outcome"]
    problems = compare_snapshots(_photo(), after)
    assert "portfolios_review (1,): revision_id 7 -> None" in problems
    assert any(p.startswith("portfolios_review (2,): columns ['outcome'] differ") for p in problems)


def test_compare_lets_named_tables_grow_and_named_columns_change_but_nothing_else() -> None:
    after = _photo()
    after["django_migrations"][(2,)] = {"id": 2, "app": "exports", "name": "0001_initial"}
    after["django_content_type"][(3,)]["app_label"] = "supervision"
    assert (
        compare_snapshots(
            _photo(),
            after,
            may_grow={"django_migrations"},
            ignore_columns={"django_content_type": {"app_label"}},
        )
        == []
    )
    # Growing is not losing: a table allowed to grow still may not lose a row.
    del after["django_migrations"][(1,)]
    assert compare_snapshots(_photo(), after, may_grow={"django_migrations"}) == [
        "django_content_type (3,): app_label 'portfolios' -> 'supervision'",
        "django_migrations: rows missing, primary keys [(1,)]",
    ]


def test_empty_tables_and_ddl_are_reported() -> None:
    photo = _photo()
    photo["portfolios_comment"] = {}
    assert empty_tables(photo, ["portfolios_review", "portfolios_comment", "portfolios_x"]) == [
        "portfolios_comment",
        "portfolios_x",
    ]
    sql = [
        'SELECT "id" FROM "portfolios_review"',
        'UPDATE "django_content_type" SET "app_label" = %s',
        'CREATE TABLE "new__portfolios_review" ("id" integer)',
        'INSERT INTO "new__portfolios_review" SELECT * FROM "portfolios_review"',
        'DROP TABLE "portfolios_review"',
        'ALTER TABLE "new__portfolios_review" RENAME TO "portfolios_review"',
        "PRAGMA foreign_keys = OFF",
    ]
    assert ddl_statements(sql) == [sql[2], sql[4], sql[5]]


@pytest.mark.django_db
def test_snapshot_reads_the_database_and_a_deleted_row_is_reported() -> None:
    from imhcpd.models import User

    user = User.objects.create(email="someone@example.com", full_name="Invented Person")
    before = snapshot_rows(connection)
    assert before["imhcpd_user"][(user.pk,)]["email"] == "someone@example.com"
    User.objects.filter(pk=user.pk).delete()
    problems = compare_snapshots(before, snapshot_rows(connection))
    assert f"imhcpd_user: rows missing, primary keys [({user.pk},)]" in problems


# --- The migrations ---------------------------------------------------------------------------


def _previous_main(
    latest: list[tuple[str, str]], pinned: dict[str, str | None] = PREVIOUS_MAIN
) -> list[tuple[str, str | None]]:
    targets: list[tuple[str, str | None]] = [
        (app, name) for app, name in latest if app not in pinned
    ]
    targets += pinned.items()
    return sorted(targets, key=lambda t: (t[0], t[1] or ""))


def _seed_previous_main(old_apps: Any) -> dict[str, Any]:
    """A row in every project table, plus the content types a database at the previous main
    has for the models that move, a permission on one of them and an admin log entry."""
    ContentType = old_apps.get_model("contenttypes", "ContentType")
    Permission = old_apps.get_model("auth", "Permission")
    Group = old_apps.get_model("auth", "Group")
    LogEntry = old_apps.get_model("admin", "LogEntry")

    # The previous main had no such labels; unapplying the new migrations renames them back.
    # (Models added to those apps after the split keep theirs: the previous main had none.)
    leftover = ContentType.objects.filter(app_label__in={"supervision", "exports"}, model__in=MOVED)
    assert not leftover.exists(), list(leftover.values_list("app_label", "model"))
    content_types = {
        model: ContentType.objects.get_or_create(app_label="portfolios", model=model)[0]
        for model in MOVED
    }
    permission = Permission.objects.create(
        content_type=content_types["review"],
        codename="countersign_review",
        name="Can countersign a review (invented)",
    )
    group = Group.objects.create(name="Invented reviewers")
    project_models = [
        m
        for m in old_apps.get_models(include_auto_created=True)
        if m._meta.app_label in OLD_PROJECT_APPS
    ]
    made = fill_every_table(project_models, {"auth.Group": group, "auth.Permission": permission})
    log_entry = LogEntry.objects.create(
        user=made["imhcpd.User"],
        content_type=content_types["supervision"],
        object_id=str(made["portfolios.Supervision"].pk),
        object_repr="Invented supervision",
        action_flag=2,
        change_message="[]",
    )
    return {
        "rows": made,
        "project_tables": {m._meta.db_table for m in project_models},
        "content_types": {model: ct.pk for model, ct in content_types.items()},
        "permission": permission.pk,
        "log_entry": log_entry.pk,
    }


def _check_content_types(seeded: dict[str, Any]) -> None:
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from portfolios.supervision.models import Supervision

    ContentType.objects.clear_cache()
    for model, pk in seeded["content_types"].items():
        content_type = ContentType.objects.get(pk=pk)
        assert (content_type.app_label, content_type.model) == (MOVED[model], model)
        assert content_type.model_class() is not None, model
    assert not ContentType.objects.filter(app_label="portfolios", model__in=MOVED).exists()

    permission = Permission.objects.get(pk=seeded["permission"])
    assert permission.content_type_id == seeded["content_types"]["review"]
    assert permission.content_type.app_label == "supervision"
    user = seeded["rows"]["imhcpd.User"]
    assert permission.user_set.filter(pk=user.pk).exists()

    edited = LogEntry.objects.get(pk=seeded["log_entry"]).get_edited_object()
    assert isinstance(edited, Supervision)
    assert edited.pk == seeded["rows"]["portfolios.Supervision"].pk


def _check_current_models(
    after: Snapshot, old_tables: set[str], later_tables: set[str] | frozenset[str] = frozenset()
) -> None:
    """Every current model's table is an old one (so it was seeded), every row is readable,
    and every foreign key leads to its row."""
    from django.apps import apps
    from django.db import models

    problems = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in NEW_PROJECT_APPS:
            continue
        table = model._meta.db_table
        if table in later_tables:  # created by a migration after the split: not this test's
            continue
        if table not in old_tables:
            problems.append(f"{model._meta.label}: table {table} is not one of the old ones")
            continue
        expected = {key[0] for key in after[table]}
        rows = list(model._base_manager.all())
        if {row.pk for row in rows} != expected:
            problems.append(f"{model._meta.label}: pks {sorted(r.pk for r in rows)} != {expected}")
        for row in rows:
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.ForeignKey):
                    continue
                pk = getattr(row, field.attname)
                if pk is None:
                    continue
                target = getattr(row, field.name)
                if not isinstance(target, field.related_model) or target.pk != pk:
                    problems.append(f"{model._meta.label}({row.pk}).{field.name} -> {target!r}")
    assert not problems, "\n".join(problems)


def _check_moved_relations(seeded: dict[str, Any]) -> None:
    from portfolios.exports.models import ExportEvent, PortfolioExport, PracticeHours
    from portfolios.models import EvidenceRevision, Portfolio
    from portfolios.supervision.models import Review, Supervision, SupervisionEvent
    from register.models import ApplicationSnapshot, Endorsement

    old = seeded["rows"]
    supervision = Supervision.objects.get(pk=old["portfolios.Supervision"].pk)
    export = PortfolioExport.objects.get(pk=old["portfolios.PortfolioExport"].pk)
    portfolio = Portfolio.objects.get(pk=old["portfolios.Portfolio"].pk)

    review = Review.objects.select_related("revision", "supervision").get(
        pk=old["portfolios.Review"].pk
    )
    assert review.revision.pk == old["portfolios.EvidenceRevision"].pk
    assert review.supervision == supervision
    assert list(supervision.reviews.all()) == [review]
    revision = EvidenceRevision.objects.get(pk=old["portfolios.EvidenceRevision"].pk)
    assert revision.submitted_to == supervision

    endorsement = Endorsement.objects.get(pk=old["register.Endorsement"].pk)
    assert endorsement.supervision == supervision
    assert list(supervision.endorsements.all()) == [endorsement]
    snapshot = ApplicationSnapshot.objects.get(pk=old["register.ApplicationSnapshot"].pk)
    assert snapshot.export == export

    assert SupervisionEvent.objects.get(pk=old["portfolios.SupervisionEvent"].pk).supervision == (
        supervision
    )
    assert ExportEvent.objects.get(pk=old["portfolios.ExportEvent"].pk).export == export
    assert list(portfolio.supervisions.all()) == [supervision]
    assert list(portfolio.exports.all()) == [export]
    assert list(portfolio.practice_hours.all()) == [
        PracticeHours.objects.get(pk=old["portfolios.PracticeHours"].pk)
    ]


@pytest.mark.django_db(transaction=True)
def test_new_migrations_keep_every_row_of_a_previous_main_database() -> None:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    previous = _previous_main(latest)
    split = _previous_main(latest, SPLIT)
    try:
        # Back past later migrations to the split, then to the previous main. State-only
        # going back from the split too, or the rebuilt database would not be the one
        # production has.
        executor.migrate(split)
        executor = MigrationExecutor(connection)
        with CaptureQueriesContext(connection) as going_back:
            executor.migrate(previous)
        ddl = ddl_statements(q["sql"] for q in going_back.captured_queries)
        assert not ddl, "Unapplying the new migrations changed the schema:\n" + "\n".join(ddl)

        executor = MigrationExecutor(connection)
        old_apps = executor.loader.project_state([t for t in previous if t[1]]).apps
        seeded = _seed_previous_main(old_apps)

        before = snapshot_rows(connection)
        assert set(before) >= MUST_HAVE_ROWS, sorted(MUST_HAVE_ROWS - set(before))
        empty = empty_tables(before, MUST_HAVE_ROWS | seeded["project_tables"])
        assert not empty, f"Not seeded: {empty}"

        plan = {(m.app_label, m.name) for m, _ in executor.migration_plan(split)}
        assert plan >= NEW_MIGRATIONS, sorted(NEW_MIGRATIONS - plan)

        with CaptureQueriesContext(connection) as going_forward:
            executor.migrate(split)
        ddl = ddl_statements(q["sql"] for q in going_forward.captured_queries)
        assert not ddl, "The new migrations change the schema:\n" + "\n".join(ddl)

        after = snapshot_rows(connection)
        lost = compare_snapshots(
            before,
            after,
            may_grow={"django_migrations"},  # records the new migrations, keeps the old
            ignore_columns={"django_content_type": {"app_label"}},  # checked below
        )
        assert not lost, "Rows lost or changed by the new migrations:\n" + "\n".join(lost)

        # The current models read columns later migrations add.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        at_split = set(after)
        after = snapshot_rows(connection)
        _check_content_types(seeded)
        _check_current_models(after, seeded["project_tables"], set(after) - at_split)
        _check_moved_relations(seeded)
    finally:
        # The test database is shared with every later test: leave it at the latest state.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
