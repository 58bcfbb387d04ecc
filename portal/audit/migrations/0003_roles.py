"""Data: the Founders, Responders and Auditors groups (see portal.audit.roles)."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from portal.audit.roles import setup_roles

    setup_roles(apps, using=schema_editor.connection.alias)


def delete_roles(apps, schema_editor):
    from portal.audit.roles import remove_roles

    remove_roles(apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reports", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
