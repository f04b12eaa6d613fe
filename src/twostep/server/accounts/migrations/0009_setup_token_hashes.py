# ruff: noqa  (as Django makemigrations writes them)
"""Several setup links valid at once (each start of a fresh server prints one)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_remember_device"),
    ]

    operations = [
        migrations.RenameField(
            model_name="organisation", old_name="setup_token_hash", new_name="setup_token_hashes"
        ),
        migrations.AlterField(
            model_name="organisation",
            name="setup_token_hashes",
            field=models.TextField(blank=True, default=""),
        ),
    ]
