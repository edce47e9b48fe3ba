# SupervisionAssignment now belongs to teams (teams/migrations/0007_supervisionassignment.py):
# drop it from supervision's state only; the table and its rows stay as they are.

from django.db import migrations


def content_type_to(app_label: str, other: str):
    """Move the model's content type (and so its permissions and admin log) with the model."""

    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if ContentType.objects.filter(app_label=app_label, model="supervisionassignment").exists():
            return
        ContentType.objects.filter(app_label=other, model="supervisionassignment").update(app_label=app_label)

    return move


class Migration(migrations.Migration):

    dependencies = [
        ('supervision', '0004_default_rubric'),
        ('teams', '0007_supervisionassignment'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name='SupervisionAssignment')],
        ),
        migrations.RunPython(content_type_to("teams", "supervision"), content_type_to("supervision", "teams")),
    ]
