"""Schema: the append-only triggers (per vendor) and the single chain-head row."""

from django.db import migrations


def install(apps, schema_editor):
    from portal.audit import triggers

    triggers.install(schema_editor.connection)
    apps.get_model("audit", "AuditChainHead").objects.get_or_create(pk=1)


def remove(apps, schema_editor):
    from portal.audit import triggers

    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
