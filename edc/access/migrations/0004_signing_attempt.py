# The signing-attempt ledger moves from monitoring to access (the password re-check is
# access's, edc.access.credentials): state only, the table keeps its name and rows.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_user_management"),
        ("monitoring", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SigningAttempt",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "outcome",
                            models.CharField(
                                choices=[
                                    ("success", "Signed"),
                                    ("wrong_credentials", "Wrong user ID or password"),
                                    ("locked_out", "Refused: signing locked"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "monitoring_signingattempt",
                        "ordering": ["-at", "-id"],
                        "indexes": [
                            models.Index(fields=["user", "at"], name="signing_attempt_user_at")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
