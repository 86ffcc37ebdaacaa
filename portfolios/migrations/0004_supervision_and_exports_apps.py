"""Supervision and exports moved to apps of their own (labels `supervision`, `exports`).

Their tables keep the names this app gave them, so nothing is dropped or copied: this only
removes the models from this app's picture of the schema, after the new apps and the
register have taken them over.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portfolios", "0003_exports"),
        ("exports", "0001_initial"),
        ("supervision", "0001_initial"),
        ("register", "0002_moved_models"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="evidencerevision",
                    name="submitted_to",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="submitted_revisions",
                        to="supervision.supervision",
                    ),
                ),
                # Dependents first: an event or review cannot outlive its supervision.
                migrations.DeleteModel(name="SupervisionEvent"),
                migrations.DeleteModel(name="Review"),
                migrations.DeleteModel(name="Comment"),
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="NotificationPreference"),
                migrations.DeleteModel(name="DigestSent"),
                migrations.DeleteModel(name="Supervision"),
                migrations.DeleteModel(name="ExportEvent"),
                migrations.DeleteModel(name="PortfolioExport"),
                migrations.DeleteModel(name="PracticeHours"),
                migrations.DeleteModel(name="ReflectiveDiscussion"),
            ],
        ),
    ]
