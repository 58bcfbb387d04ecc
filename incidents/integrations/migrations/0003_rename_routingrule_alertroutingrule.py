from django.db import migrations


class Migration(migrations.Migration):
    """The integration's rules that pick an alert's severity get a name of their own
    (notifications has routing rules too); the table is renamed, the rows kept."""

    dependencies = [
        ('integrations', '0002_integration_key_rotation'),
    ]

    operations = [
        migrations.RenameModel(old_name='RoutingRule', new_name='AlertRoutingRule'),
    ]
