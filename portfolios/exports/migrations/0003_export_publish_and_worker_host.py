from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0002_verification_outlives_account"),
    ]

    operations = [
        migrations.AddField(
            model_name="portfolioexport",
            name="published_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="portfolioexport",
            name="worker_host",
            field=models.CharField(blank=True, max_length=255),
        ),
    ]
