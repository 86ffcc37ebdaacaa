"""Exports become their own app. Its tables keep their names (db_table): no row moves."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import portfolios.exports.models
from django.conf import settings
from django.db import migrations, models


def _move_content_types(app_label: str, models: list[str]):
    """Content types (and so permissions and admin log entries) follow the models."""

    def forwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label="portfolios", model__in=models).update(
            app_label=app_label
        )

    def backwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(app_label=app_label, model__in=models).update(
            app_label="portfolios"
        )

    return migrations.RunPython(forwards, backwards, elidable=False)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('portfolios', '0003_exports'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist (created by the portfolios app); only Django's picture of them moves.
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='PortfolioExport',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('portfolio', 'IMH portfolio'), ('revalidation', 'Revalidation pack'), ('application', 'Register application')], max_length=20)),
                    ('level', models.PositiveSmallIntegerField(blank=True, null=True)),
                    ('period_start', models.DateField(blank=True, null=True)),
                    ('period_end', models.DateField(blank=True, null=True)),
                    ('status', models.CharField(choices=[('pending', 'Queued'), ('running', 'Being made'), ('done', 'Ready'), ('failed', 'Failed'), ('expired', 'Expired')], default='pending', max_length=10)),
                    ('progress', models.PositiveSmallIntegerField(default=0)),
                    ('stage', models.CharField(blank=True, max_length=100)),
                    ('error', models.TextField(blank=True)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('worker_pid', models.PositiveIntegerField(blank=True, null=True)),
                    ('snapshot', models.JSONField(blank=True, default=dict)),
                    ('content_hash', models.CharField(db_index=True, max_length=64)),
                    ('signed_fingerprint', models.CharField(max_length=64)),
                    ('code', models.CharField(default=portfolios.exports.models.new_verification_code, max_length=14, unique=True)),
                    ('file', models.FileField(blank=True, max_length=200, storage=portfolios.exports.models.private_storage, upload_to='')),
                    ('file_sha256', models.CharField(blank=True, db_index=True, max_length=64)),
                    ('file_size', models.PositiveIntegerField(blank=True, null=True)),
                    ('page_count', models.PositiveIntegerField(blank=True, null=True)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('queued_at', models.DateTimeField(blank=True, null=True)),
                    ('started_at', models.DateTimeField(blank=True, null=True)),
                    ('finished_at', models.DateTimeField(blank=True, null=True)),
                    ('expires_at', models.DateTimeField(blank=True, null=True)),
                    ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exports', to=settings.AUTH_USER_MODEL)),
                    ('portfolio', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exports', to='portfolios.portfolio')),
                ],
                options={
                    'db_table': 'portfolios_portfolioexport',
                    'ordering': ['-created_at', '-pk'],
                },
            ),
            migrations.CreateModel(
                name='ExportEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('from_status', models.CharField(blank=True, max_length=20)),
                    ('to_status', models.CharField(max_length=20)),
                    ('detail', models.TextField(blank=True)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('export', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='exports.portfolioexport')),
                ],
                options={
                    'db_table': 'portfolios_exportevent',
                    'ordering': ['created_at', 'pk'],
                    'abstract': False,
                },
            ),
            migrations.CreateModel(
                name='PracticeHours',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('start', models.DateField(verbose_name='from')),
                    ('end', models.DateField(verbose_name='to')),
                    ('hours', models.DecimalField(decimal_places=2, max_digits=7, validators=[django.core.validators.MinValueValidator(0)])),
                    ('role', models.CharField(max_length=200, verbose_name='role and setting')),
                    ('scope', models.CharField(blank=True, help_text="For example 'health visiting, universal and targeted caseload'.", max_length=300, verbose_name='scope of practice')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('portfolio', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='practice_hours', to='portfolios.portfolio')),
                ],
                options={
                    'verbose_name_plural': 'practice hours',
                    'db_table': 'portfolios_practicehours',
                    'ordering': ['-start', '-pk'],
                },
            ),
            migrations.CreateModel(
                name='ReflectiveDiscussion',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('date', models.DateField()),
                    ('partner_name', models.CharField(max_length=200, verbose_name='name of the registrant you discussed with')),
                    ('partner_registration', models.CharField(blank=True, max_length=100, verbose_name='their registration body and number')),
                    ('partner_role', models.CharField(blank=True, max_length=200, verbose_name='their role')),
                    ('summary', models.TextField(help_text='Which reflective accounts you discussed and what came out of it. Nothing that could identify a family.', verbose_name='what you discussed')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('portfolio', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reflective_discussions', to='portfolios.portfolio')),
                ],
                options={
                    'db_table': 'portfolios_reflectivediscussion',
                    'ordering': ['-date', '-pk'],
                },
            ),
            migrations.AddIndex(
                model_name='portfolioexport',
                index=models.Index(fields=['status', 'queued_at'], name='portfolios__status_c7d597_idx'),
            ),
            ],
        ),
        _move_content_types('exports', ['portfolioexport', 'exportevent', 'practicehours', 'reflectivediscussion']),
    ]
