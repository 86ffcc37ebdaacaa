"""Goals keep the level they aim at (so a sign-off at that level closes them), and a goal's
status history can say why a change was not the practitioner's own."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_levels(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Existing goals aim at the level their portfolio is working towards now.
    Goal = apps.get_model("portfolios", "DevelopmentGoal")
    Portfolio = apps.get_model("portfolios", "Portfolio")
    Goal.objects.filter(level__isnull=True).update(
        level=Subquery(
            Portfolio.objects.filter(pk=OuterRef("portfolio_id")).values("target_level")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("portfolios", "0006_evidence_event_actor_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="developmentgoal",
            name="level",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="goalevent",
            name="detail",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.RunPython(fill_levels, migrations.RunPython.noop),
    ]
