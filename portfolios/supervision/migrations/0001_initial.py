"""Supervision becomes its own app. Its tables keep their names (db_table): no row moves."""

import django.db.models.deletion
import django.utils.timezone
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
                name='Comment',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('body', models.TextField()),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('evidence', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='portfolios.evidence')),
                ],
                options={
                    'db_table': 'portfolios_comment',
                    'ordering': ['created_at', 'pk'],
                },
            ),
            migrations.CreateModel(
                name='NotificationPreference',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('email_each_event', models.BooleanField(default=True, help_text='Invitations, submissions, sign-offs, returns and comments.', verbose_name='Email me about each event')),
                    ('weekly_digest', models.BooleanField(default=False, verbose_name='As a supervisor, send one weekly summary of items waiting for me instead of an email per submission')),
                    ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notification_preference', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'portfolios_notificationpreference',
                },
            ),
            migrations.CreateModel(
                name='Supervision',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('invitee_name', models.CharField(max_length=150, verbose_name="supervisor's name")),
                    ('invitee_email', models.EmailField(max_length=254, verbose_name="supervisor's email")),
                    ('role', models.CharField(choices=[('clinical_supervisor', 'Clinical supervisor'), ('line_manager', 'Line manager'), ('mentor', 'Mentor')], max_length=30)),
                    ('status', models.CharField(choices=[('invited', 'Invited'), ('active', 'Active'), ('declined', 'Declined'), ('expired', 'Expired'), ('cancelled', 'Cancelled'), ('ended', 'Ended')], default='invited', max_length=20)),
                    ('token_hash', models.CharField(max_length=64, unique=True)),
                    ('invited_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('expires_at', models.DateTimeField()),
                    ('last_sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('send_count', models.PositiveSmallIntegerField(default=1)),
                    ('responded_at', models.DateTimeField(blank=True, null=True)),
                    ('ended_at', models.DateTimeField(blank=True, null=True)),
                    ('portfolio', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='supervisions', to='portfolios.portfolio')),
                    ('supervisor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='supervisions_given', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'portfolios_supervision',
                    'ordering': ['-invited_at', '-pk'],
                },
            ),
            migrations.CreateModel(
                name='Review',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('outcome', models.CharField(choices=[('signed_off', 'Signed off'), ('returned', 'Returned for changes')], max_length=20)),
                    ('level', models.PositiveSmallIntegerField(blank=True, null=True)),
                    ('declaration', models.TextField(blank=True)),
                    ('feedback', models.TextField(blank=True)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('reviewer', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='reviews_given', to=settings.AUTH_USER_MODEL)),
                    ('revision', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='review', to='portfolios.evidencerevision')),
                    ('supervision', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reviews', to='supervision.supervision')),
                ],
                options={
                    'db_table': 'portfolios_review',
                    'ordering': ['-created_at', '-pk'],
                },
            ),
            migrations.CreateModel(
                name='SupervisionEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('from_status', models.CharField(blank=True, max_length=20)),
                    ('to_status', models.CharField(max_length=20)),
                    ('detail', models.TextField(blank=True)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('supervision', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='supervision.supervision')),
                ],
                options={
                    'db_table': 'portfolios_supervisionevent',
                    'ordering': ['created_at', 'pk'],
                    'abstract': False,
                },
            ),
            migrations.CreateModel(
                name='DigestSent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('week', models.CharField(max_length=8)),
                    ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'portfolios_digestsent',
                    'constraints': [models.UniqueConstraint(fields=('user', 'week'), name='one_digest_a_week')],
                },
            ),
            migrations.CreateModel(
                name='Notification',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.CharField(max_length=300)),
                    ('url', models.CharField(blank=True, max_length=300)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('read_at', models.DateTimeField(blank=True, null=True)),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'portfolios_notification',
                    'ordering': ['-created_at', '-pk'],
                    'indexes': [models.Index(fields=['user', 'read_at'], name='portfolios__user_id_392ef3_idx')],
                },
            ),
            migrations.AddConstraint(
                model_name='supervision',
                constraint=models.UniqueConstraint(condition=models.Q(('status', 'active')), fields=('portfolio', 'supervisor'), name='one_active_supervision_per_pair'),
            ),
            ],
        ),
        _move_content_types('supervision', ['supervision', 'supervisionevent', 'review', 'comment', 'notification', 'notificationpreference', 'digestsent']),
    ]
