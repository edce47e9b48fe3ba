from django.db import migrations

# The order of people's names (wijklab/names.py). ICU's Dutch collation, as PostgreSQL builds on
# Debian and every major distribution provide; on SQLite the collation is registered per connection.
CREATE = "CREATE COLLATION IF NOT EXISTS wijklab_names (provider = icu, locale = 'nl')"
DROP = "DROP COLLATION IF EXISTS wijklab_names"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("wijklab", "0010_merge_notification_mail_batches"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
