from django.db import migrations

# The search without accents (wijklab/names.py, wijklab.selectors.containing). unaccent ships with
# PostgreSQL's contrib modules and is a trusted extension: the database's owner may create it. On
# SQLite a function of the same name is registered per connection.
CREATE = "CREATE EXTENSION IF NOT EXISTS unaccent"
DROP = "DROP EXTENSION IF EXISTS unaccent"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("wijklab", "0011_name_collation"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
