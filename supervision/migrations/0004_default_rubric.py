"""The default rubric as data, so no request ever has to create it (supervision.defaults)."""

from django.db import migrations


def create(apps, schema_editor):
    from supervision.defaults import create_default_rubric

    create_default_rubric(apps, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0003_rubric_feedback_sentmail"),
    ]

    operations = [
        # Backwards: nothing to undo (the rubric goes with its table, or stays with coordinators' edits).
        migrations.RunPython(create, migrations.RunPython.noop),
    ]
