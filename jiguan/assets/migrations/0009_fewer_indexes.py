"""Drop indexes that others cover: the code prefix (PostgreSQL's _like index of the unique code), the owning unit (assets_owner_status_class_id), the event's card (assets_event_asset). Fewer indexes, cheaper imports."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0008_schedule_segments'),
        ('org', '0002_saved_filters'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='asset',
            name='assets_code_prefix',
        ),
        migrations.AlterField(
            model_name='asset',
            name='owner_unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='owned_assets', to='org.orgunit', verbose_name='产权单位'),
        ),
        migrations.AlterField(
            model_name='assetevent',
            name='asset',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='assets.asset', verbose_name='资产'),
        ),
    ]
