# The model "who follows whom" moves from supervision to teams without touching the database:
# teams decides who sees a team by it, and teams sits below supervision (docs/architecture.md).
# The table keeps its name (db_table) and its rows; supervision 0004 drops the old state.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('teams', '0006_formation_runs'),
        ('supervision', '0003_rubric_feedback_sentmail'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='SupervisionAssignment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('student', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='supervised_by_assignments', to=settings.AUTH_USER_MODEL)),
                        ('supervisor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='supervision_assignments', to=settings.AUTH_USER_MODEL)),
                        ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='supervision_assignments', to='teams.team')),
                    ],
                    options={
                        'verbose_name': 'begeleidingstoewijzing',
                        'verbose_name_plural': 'begeleidingstoewijzingen',
                        'db_table': 'supervision_supervisionassignment',
                        'ordering': ['id'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('student__isnull', True), ('team__isnull', False)), models.Q(('student__isnull', False), ('team__isnull', True)), _connector='OR'), name='supervision_team_xor_student'), models.UniqueConstraint(condition=models.Q(('team__isnull', False)), fields=('supervisor', 'team'), name='supervise_team_once'), models.UniqueConstraint(condition=models.Q(('student__isnull', False)), fields=('supervisor', 'student'), name='supervise_student_once')],
                    },
                ),
            ],
        ),
    ]
