"""Schema: entries are written unsealed (no seq, no hash) and sealed afterwards.

Existing entries keep their seq and hash: the hashed form is unchanged. The trigger
is re-created to let the sealer set the chain fields of an unsealed entry, once.
"""

from django.db import migrations, models


def install(apps, schema_editor):
    from portal.audit import triggers

    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_roles")]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ("-id",), "verbose_name_plural": "audit entries"},
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(
                condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_unsealed"
            ),
        ),
        migrations.RunPython(install, install),
    ]
