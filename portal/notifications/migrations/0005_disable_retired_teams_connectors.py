"""Data: Teams channels still on Office 365 connectors (msteams://) wait for a
workflows:// URL instead of failing against the retired endpoint."""

from django.db import migrations

RETIRED = "[msteams:// retired by Microsoft: set a Power Automate workflows:// URL, then enable] "


def disable_retired_connectors(apps, schema_editor):
    # An Office 365 connector URL cannot be turned into a workflow URL (a new workflow
    # must be created in Teams): the channel is disabled so its messages wait, pending,
    # instead of failing against the retired endpoint, and its description says why.
    channel = apps.get_model("notifications", "NotificationChannel")
    for row in channel.objects.filter(kind="msteams", target__istartswith="msteams://"):
        row.enabled = False
        row.description = (RETIRED + row.description)[:200]
        row.save(update_fields=["enabled", "description"])


def restore_descriptions(apps, schema_editor):
    channel = apps.get_model("notifications", "NotificationChannel")
    for row in channel.objects.filter(description__startswith=RETIRED):
        row.description = row.description[len(RETIRED) :]
        row.save(update_fields=["description"])



class Migration(migrations.Migration):
    dependencies = [("notifications", "0004_teams_workflows")]

    operations = [migrations.RunPython(disable_retired_connectors, restore_descriptions)]
