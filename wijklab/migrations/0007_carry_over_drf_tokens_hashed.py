"""Tokens made with DRF's authtoken (stored as plain text) become personal API tokens, stored hashed.

Each one keeps working as it was (``Authorization: Token <key>``, now also ``Bearer <key>``), named
"Token van vóór de persoonlijke tokens"; the plain keys are then deleted from DRF's table, which
``rest_framework.authtoken`` (no longer installed) leaves behind empty. A database that never had
that table has nothing to carry over.
"""

import hashlib

from django.db import migrations

LEGACY_TABLE = "authtoken_token"


def carry_over(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("wijklab", "ApiToken")
    User = apps.get_model("wijklab", "User")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {LEGACY_TABLE}")  # noqa: S608 - a fixed name
        rows = cursor.fetchall()
    existing = set(User.objects.values_list("pk", flat=True))
    for key, user_id, created in rows:
        if user_id not in existing:
            continue
        ApiToken.objects.get_or_create(
            token_hash=hashlib.sha256(key.encode()).hexdigest(),
            defaults={
                "user_id": user_id,
                "name": "Token van vóór de persoonlijke tokens",
                "prefix": key[:8],
                "created_at": created,
            },
        )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {LEGACY_TABLE}")  # noqa: S608 - a fixed name


class Migration(migrations.Migration):
    dependencies = [
        ("wijklab", "0006_api_tokens_and_password_reset_requests"),
    ]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
    ]
