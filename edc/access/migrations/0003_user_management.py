"""User management (issue 18 §2): audited staff profiles, training records, temporary passwords.

``StaffProfile`` becomes an audited model (version, created/updated, created_by, plus ``person``,
``sites_text`` and ``active``); ``TrainingRecord`` is new. The history table of staff profiles is
append-only and hash-chained (edc.audit.chain): its new columns are added **nullable and without
default** in the database (docs/part11.md, schema rule), so the rows written before keep their
content and their chain still verifies; Django's state has the model's fields as declared.
Existing profiles get their ``person``, ``sites_text`` and ``active`` from their user and sites.

Also records the new AuthEvent kinds of two-step sign-in (choices only, no schema change).
"""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

ROLE_CHOICES = [
    ("investigator", "Investigator"),
    ("coordinator", "Study coordinator"),
    ("monitor", "Monitor"),
    ("statistician", "Statistician"),
    ("data_manager", "Data manager"),
]
HISTORY = "historicalstaffprofile"


def history_column(name, state_field, db_field):
    """A column of the append-only history table: nullable without default in the database."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[
            migrations.AddField(model_name=HISTORY, name=name, field=state_field)
        ],
        database_operations=[migrations.AddField(model_name=HISTORY, name=name, field=db_field)],
    )


def fill_profiles(apps, schema_editor):
    StaffProfile = apps.get_model("access", "StaffProfile")
    # The migration's own connection (the owner role, which holds the tables' locks).
    profiles = StaffProfile.objects.using(schema_editor.connection.alias)
    for profile in profiles.select_related("user").prefetch_related("sites"):
        user = profile.user
        full = f"{user.first_name} {user.last_name}".strip()
        profile.person = f"{full} ({user.username})" if full else user.username
        profile.sites_text = ", ".join(sorted(site.code for site in profile.sites.all()))
        profile.active = user.is_active
        profile.save(update_fields=["person", "sites_text", "active"])


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_auth_event"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TemporaryPassword",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="temporary_password",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("issued_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.AlterModelOptions(
            name="historicalstaffprofile",
            options={
                "get_latest_by": ("history_date", "history_id"),
                "ordering": ("-history_date", "-history_id"),
                "verbose_name": "historical user account",
                "verbose_name_plural": "historical user accounts",
            },
        ),
        migrations.AlterModelOptions(
            name="staffprofile",
            options={"ordering": ["user__username"], "verbose_name": "user account"},
        ),
        # --- the append-only history table: nullable columns, no default -------------------
        history_column(
            "version",
            models.PositiveIntegerField(default=1, editable=False),
            models.PositiveIntegerField(null=True, editable=False),
        ),
        history_column(
            "created_at",
            models.DateTimeField(blank=True, editable=False),
            models.DateTimeField(null=True, blank=True, editable=False),
        ),
        history_column(
            "updated_at",
            models.DateTimeField(blank=True, editable=False),
            models.DateTimeField(null=True, blank=True, editable=False),
        ),
        migrations.AddField(
            model_name=HISTORY,
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        history_column(
            "person",
            models.CharField(blank=True, max_length=300, verbose_name="Person"),
            models.CharField(null=True, blank=True, max_length=300, verbose_name="Person"),
        ),
        history_column(
            "sites_text",
            models.CharField(blank=True, max_length=500, verbose_name="Sites"),
            models.CharField(null=True, blank=True, max_length=500, verbose_name="Sites"),
        ),
        history_column(
            "active",
            models.BooleanField(default=True, verbose_name="Active"),
            models.BooleanField(null=True, verbose_name="Active"),
        ),
        migrations.AlterField(
            model_name=HISTORY,
            name="role",
            field=models.CharField(blank=True, choices=ROLE_CHOICES, max_length=20),
        ),
        # --- the profiles themselves ------------------------------------------------------------
        migrations.AddField(
            model_name="staffprofile",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name="staffprofile",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="staffprofile",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddField(
            model_name="staffprofile",
            name="created_by",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="staffprofile",
            name="person",
            field=models.CharField(blank=True, max_length=300, verbose_name="Person"),
        ),
        migrations.AddField(
            model_name="staffprofile",
            name="sites_text",
            field=models.CharField(blank=True, max_length=500, verbose_name="Sites"),
        ),
        migrations.AddField(
            model_name="staffprofile",
            name="active",
            field=models.BooleanField(default=True, verbose_name="Active"),
        ),
        migrations.AlterField(
            model_name="staffprofile",
            name="role",
            field=models.CharField(blank=True, choices=ROLE_CHOICES, max_length=20),
        ),
        migrations.AlterField(
            model_name="staffprofile",
            name="user",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="staff_profile",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(fill_profiles, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="authevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("login", "Signed in"),
                    ("logout", "Signed out"),
                    ("login_failed", "Sign-in failed"),
                    ("locked_out", "Account locked"),
                    ("unlocked", "Account unlocked"),
                    ("session_expired", "Session expired"),
                    ("token_issued", "API token issued"),
                    ("token_revoked", "API token revoked"),
                    ("mfa_enrolled", "Two-step sign-in set up"),
                    ("mfa_verified", "Two-step code accepted"),
                    ("mfa_failed", "Wrong two-step code"),
                    ("recovery_code_used", "Recovery code used"),
                    ("mfa_reset", "Two-step sign-in reset"),
                    ("password_changed", "Password changed"),
                ],
                max_length=20,
            ),
        ),
        # --- training records -----------------------------------------------------------------
        migrations.CreateModel(
            name="HistoricalTrainingRecord",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
                ("person", models.CharField(max_length=300, verbose_name="Person")),
                ("role", models.CharField(choices=ROLE_CHOICES, max_length=20)),
                ("guide_version", models.CharField(max_length=200, verbose_name="Guide version")),
                (
                    "guide_sha256",
                    models.CharField(blank=True, max_length=64, verbose_name="Guide file fingerprint"),
                ),
                (
                    "statement",
                    models.CharField(max_length=500, verbose_name="Statement acknowledged"),
                ),
                (
                    "acknowledged_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="Acknowledged at"
                    ),
                ),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                        max_length=1,
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical training record",
                "verbose_name_plural": "historical training records",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="TrainingRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("person", models.CharField(max_length=300, verbose_name="Person")),
                ("role", models.CharField(choices=ROLE_CHOICES, max_length=20)),
                ("guide_version", models.CharField(max_length=200, verbose_name="Guide version")),
                (
                    "guide_sha256",
                    models.CharField(blank=True, max_length=64, verbose_name="Guide file fingerprint"),
                ),
                (
                    "statement",
                    models.CharField(max_length=500, verbose_name="Statement acknowledged"),
                ),
                (
                    "acknowledged_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="Acknowledged at"
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="training_records",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-acknowledged_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "role", "guide_version"),
                        name="training_once_per_role_version",
                    )
                ],
            },
        ),
    ]
