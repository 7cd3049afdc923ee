"""Depreciation schedule segments (折旧计划段): the schedule a value adjustment replaces is kept, so the
accumulated depreciation of earlier months stays what it was; ``Asset.dep_segmented`` marks the cards
that have some. Cards adjusted before this migration have none (their months before the adjustment
read as before: 0 until the month before it)."""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0007_value_changes'),
    ]

    operations = [
        migrations.AddField(
            model_name='asset',
            name='dep_segmented',
            field=models.BooleanField(default=False, editable=False, verbose_name='有调整前折旧计划'),
        ),
        migrations.AddIndex(
            model_name='asset',
            index=models.Index(condition=models.Q(('dep_segmented', True)), fields=['id'], name='assets_segmented'),
        ),
        migrations.CreateModel(
            name='ScheduleSegment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('valid_to', models.IntegerField(verbose_name='适用至期间')),
                ('original_value', models.DecimalField(decimal_places=2, max_digits=16, verbose_name='原值（元）')),
                ('dep_method', models.CharField(choices=[('straight_line', '年限平均法'), ('units', '工作量法'), ('none', '不计提折旧')], max_length=16, verbose_name='折旧方法')),
                ('dep_anchor', models.IntegerField(verbose_name='折旧计划起始期')),
                ('dep_months', models.PositiveIntegerField(default=0, verbose_name='折旧计划月数')),
                ('dep_monthly', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='月折旧额（元）')),
                ('dep_base', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=16, verbose_name='计划起始前累计折旧（元）')),
                ('total_workload', models.DecimalField(blank=True, decimal_places=2, max_digits=16, null=True, verbose_name='预计总工作量')),
                ('asset', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='schedule_segments', to='assets.asset', verbose_name='资产')),
            ],
            options={
                'verbose_name': '折旧计划段',
                'verbose_name_plural': '折旧计划段',
                'ordering': ['asset', 'valid_to'],
                'constraints': [models.UniqueConstraint(fields=('asset', 'valid_to'), name='assets_segment_once')],
            },
        ),
    ]
