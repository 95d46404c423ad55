"""Keep every token made before tokens were hashed: each plain key in the REST framework's
token table becomes a hashed ApiToken with the same key, and the plain copy is deleted.
Safe to rerun: a key already hashed is not added again."""

import hashlib

from django.db import migrations

PLAIN_TABLE = "authtoken_token"


def hash_plain_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if PLAIN_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("selfreg", "ApiToken")
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "key", "user_id" FROM {PLAIN_TABLE}')  # noqa: S608
        rows = cursor.fetchall()
    for key, user_id in rows:
        # DRF's keys are 40 hex characters; the first 8 find the row, as new keys' prefixes do.
        prefix = key[:8]
        if not ApiToken.objects.filter(prefix=prefix).exists():
            ApiToken.objects.create(
                user_id=user_id,
                name="Made before tokens were hashed",
                prefix=prefix,
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
            )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PLAIN_TABLE}")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [("selfreg", "0002_api_tokens")]

    operations = [migrations.RunPython(hash_plain_tokens, migrations.RunPython.noop)]
