"""Units-of-production depreciation (工作量法): workload readings.

Cards registered with the units method before this migration have no start month (``dep_anchor`` 0):
they get the month their depreciation starts, as registration now sets it (the acquisition month, or
the month after under the tenant's start rule).
"""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def units_cards_start(apps, schema_editor):
    Asset = apps.get_model("assets", "Asset")
    AssetSettings = apps.get_model("assets", "AssetSettings")
    rules = dict(AssetSettings.objects.values_list("unit_id", "start_rule"))
    cards = list(Asset.objects.filter(dep_method="units", dep_anchor=0).select_related("owner_unit"))
    for card in cards:
        ids = [int(x) for x in card.owner_unit.path.strip("/").split("/") if x]
        rule = next((rules[pk] for pk in reversed(ids) if pk in rules), "same_month")
        card.dep_anchor = card.acquired_on.year * 12 + card.acquired_on.month - 1 + (rule == "next_month")
    Asset.objects.bulk_update(cards, ["dep_anchor"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0004_disposal_rules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='assetevent',
            name='kind',
            field=models.CharField(choices=[('register', '验收登记'), ('issue', '领用'), ('return', '交回'), ('handover', '交接'), ('change', '变更'), ('value', '价值调整'), ('repair', '维修'), ('transfer_requested', '申请调拨'), ('transfer', '调拨'), ('transfer_cancelled', '调拨未通过'), ('disposal_requested', '申请处置'), ('disposal', '处置'), ('disposal_cancelled', '处置未通过'), ('import', '导入'), ('attachment', '附件'), ('workload', '工作量')], max_length=24, verbose_name='事项'),
        ),
        migrations.CreateModel(
            name='WorkloadReading',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.IntegerField(verbose_name='期间')),
                ('workload', models.DecimalField(decimal_places=2, max_digits=16, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='本月工作量')),
                ('cumulative', models.DecimalField(decimal_places=2, max_digits=16, validators=[django.core.validators.MinValueValidator(Decimal('0.00'))], verbose_name='累计工作量')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                ('recorded_at', models.DateTimeField(auto_now=True, verbose_name='录入时间')),
                ('asset', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='workload_readings', to='assets.asset', verbose_name='资产')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='录入人')),
            ],
            options={
                'verbose_name': '工作量记录',
                'verbose_name_plural': '工作量记录',
                'ordering': ['asset', 'period'],
                'constraints': [models.UniqueConstraint(fields=('asset', 'period'), name='assets_workload_once'), models.CheckConstraint(condition=models.Q(('workload__gte', 0)), name='assets_workload_not_negative')],
            },
        ),
        migrations.RunPython(units_cards_start, migrations.RunPython.noop),
    ]
