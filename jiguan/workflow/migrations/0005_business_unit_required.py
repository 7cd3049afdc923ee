import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("workflow", "0004_backfill_business_unit_outbox"),
    ]

    operations = [
        migrations.AlterField(
            model_name="approvalrequest",
            name="business_unit",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="org.orgunit",
                                    verbose_name="业务单位"),
        ),
    ]
