"""The register's foreign keys follow Supervision and PortfolioExport to their new apps.

The tables did not move, so neither do the columns or their constraints: state only.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0001_initial"),
        ("register", "0001_register"),
        ("supervision", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="applicationsnapshot",
                    name="export",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="exports.portfolioexport",
                    ),
                ),
                migrations.AlterField(
                    model_name="endorsement",
                    name="supervision",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="endorsements",
                        to="supervision.supervision",
                    ),
                ),
            ],
        ),
    ]
