# The signing-attempt ledger is edc.access's now (access 0004): state only, the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("access", "0004_signing_attempt"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SigningAttempt")],
            database_operations=[],
        ),
    ]
