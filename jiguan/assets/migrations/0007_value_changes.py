"""Value changes (价值调整单) that go through the approval flow ``assets.value_change``."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0006_search_indexes'),
        ('org', '0002_saved_filters'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='assetevent',
            name='kind',
            field=models.CharField(choices=[('register', '验收登记'), ('issue', '领用'), ('return', '交回'), ('handover', '交接'), ('change', '变更'), ('value_requested', '申请价值调整'), ('value', '价值调整'), ('value_cancelled', '价值调整未通过'), ('repair', '维修'), ('transfer_requested', '申请调拨'), ('transfer', '调拨'), ('transfer_cancelled', '调拨未通过'), ('disposal_requested', '申请处置'), ('disposal', '处置'), ('disposal_cancelled', '处置未通过'), ('import', '导入'), ('attachment', '附件'), ('workload', '工作量')], max_length=24, verbose_name='事项'),
        ),
        migrations.CreateModel(
            name='ValueChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                ('number', models.CharField(max_length=30, unique=True, verbose_name='调整单号')),
                ('delta', models.DecimalField(decimal_places=2, help_text='增加为正数，减少为负数', max_digits=16, verbose_name='调整金额（元）')),
                ('effective_on', models.DateField(help_text='从该日所在月份起按调整后的原值计提折旧；该月已计提的，顺延至下一个未计提的月份', verbose_name='生效日期')),
                ('reason', models.TextField(verbose_name='调整原因')),
                ('value_before', models.DecimalField(decimal_places=2, max_digits=16, verbose_name='调整前原值（元）')),
                ('value_after', models.DecimalField(decimal_places=2, max_digits=16, verbose_name='调整后原值（元）')),
                ('applied_on', models.DateField(blank=True, null=True, verbose_name='实际生效日期')),
                ('status', models.CharField(choices=[('draft', '草稿'), ('pending', '审批中'), ('completed', '已完成'), ('rejected', '已驳回'), ('withdrawn', '已撤回')], default='draft', max_length=16, verbose_name='状态')),
                ('completed_on', models.DateField(blank=True, null=True, verbose_name='完成日期')),
                ('asset', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='value_changes', to='assets.asset', verbose_name='资产')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='申请人')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='value_changes', to='org.orgunit', verbose_name='产权单位')),
            ],
            options={
                'verbose_name': '价值调整',
                'verbose_name_plural': '价值调整',
                'ordering': ['-id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ['draft', 'pending'])), fields=('asset',), name='assets_one_open_value_change')],
            },
        ),
    ]
