"""patients.Consent kept the consent form's version in a field named ``version``, hiding the
record version every audited model has (optimistic locking, audit entries). The form's
version moves to ``form_version``; existing consents start at record version 1."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_calendar")]

    operations = [
        migrations.RenameField("consent", "version", "form_version"),
        migrations.RenameField("historicalconsent", "version", "form_version"),
        migrations.AlterField(
            "consent",
            "form_version",
            models.CharField(max_length=30, verbose_name="Consent form version"),
        ),
        migrations.AlterField(
            "historicalconsent",
            "form_version",
            models.CharField(max_length=30, verbose_name="Consent form version"),
        ),
        migrations.AddField(
            "consent",
            "version",
            models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            "historicalconsent",
            "version",
            models.PositiveIntegerField(default=1, editable=False),
        ),
    ]
