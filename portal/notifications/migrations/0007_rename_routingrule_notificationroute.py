import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A level's route to a notification channel is a `NotificationRoute` (integrations
    has routing rules too); the table is renamed, the rows kept."""

    dependencies = [
        ('notifications', '0006_pushover_receipts'),
    ]

    operations = [
        migrations.RenameModel(old_name='RoutingRule', new_name='NotificationRoute'),
        migrations.AlterField(
            model_name='notificationroute',
            name='channel',
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name='routes',
                to='notifications.notificationchannel',
            ),
        ),
    ]
