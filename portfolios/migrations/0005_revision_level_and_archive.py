"""The sign-off level is fixed on the revision at submission; evidence can be archived.

`EvidenceRevision.submitted_level` records the level a sign-off is asked for, set by
`evidence_submit` from the practitioner's target level at that moment. Revisions submitted
before this migration have no record of the level at submission, so the data step fills it:
a signed-off revision from its `signed_off_level` (what the sign-off already counted for), any
other revision that was ever submitted from the portfolio's *current* target level (the best
value there is; it is what the sign-off would have used before this change). Drafts never
submitted keep NULL.

`Evidence.archived_at` marks an item withdrawn into the archive: anything ever submitted for
review is kept, never deleted.
"""

from django.db import migrations, models
from django.db.models import F


def fill_submitted_level(apps, schema_editor):
    EvidenceRevision = apps.get_model("portfolios", "EvidenceRevision")
    revisions = EvidenceRevision.objects.filter(submitted_level__isnull=True)
    revisions.filter(signed_off_level__isnull=False).update(submitted_level=F("signed_off_level"))
    by_level: dict[int, list[int]] = {}
    for pk, level in revisions.filter(submitted_at__isnull=False).values_list(
        "pk", "evidence__portfolio__target_level"
    ):
        by_level.setdefault(level, []).append(pk)
    # One UPDATE per level (three at most), the same on SQLite and PostgreSQL.
    for level, pks in by_level.items():
        EvidenceRevision.objects.filter(pk__in=pks).update(submitted_level=level)


class Migration(migrations.Migration):
    dependencies = [
        ("portfolios", "0004_supervision_and_exports_apps"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="archived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="evidencerevision",
            name="submitted_level",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="evidenceevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("edited", "Edited"),
                    ("new_revision", "New revision started"),
                    ("confidentiality_confirmed", "Confidentiality confirmed"),
                    ("attached", "Attachment added"),
                    ("detached", "Attachment removed"),
                    ("submitted", "Submitted for review"),
                    ("signed_off", "Signed off"),
                    ("returned", "Returned"),
                    ("archived", "Archived"),
                    ("restored", "Restored from the archive"),
                ],
                max_length=30,
            ),
        ),
        migrations.RunPython(fill_submitted_level, migrations.RunPython.noop),
    ]
