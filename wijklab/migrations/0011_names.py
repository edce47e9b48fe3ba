from django.db import migrations

# The order of people's names and the search without accents (wijklab/names.py): ICU's Dutch
# collation, which PostgreSQL as Debian and the official images build it provides, and unaccent,
# a trusted contrib extension the database's owner may create. On SQLite both are registered per
# connection instead.
CREATE = [
    "CREATE COLLATION IF NOT EXISTS wijklab_names (provider = icu, locale = 'nl')",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
]
DROP = ["DROP EXTENSION IF EXISTS unaccent", "DROP COLLATION IF EXISTS wijklab_names"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("wijklab", "0010_merge_notification_mail_batches"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
