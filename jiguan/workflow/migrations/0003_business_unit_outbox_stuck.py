"""Requests belong to their business unit (the 调出单位 of a transfer, the owner of a card), stuck
requests say why, and decided outcomes go through an outbox (OutcomeOutbox). The business unit is
filled by 0004 and required from 0005 (separate migrations: on PostgreSQL a table whose rows were
just updated cannot be altered in the same transaction)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('org', '0002_saved_filters'),
        ('workflow', '0002_counterparty_relation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OutcomeOutbox',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('outcome', models.CharField(max_length=12, verbose_name='审批结果')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='执行次数')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='下次执行时间')),
                ('last_error', models.TextField(blank=True, verbose_name='最近错误')),
                ('applied_at', models.DateTimeField(blank=True, null=True, verbose_name='执行完成时间')),
            ],
            options={
                'verbose_name': '审批结果待办',
                'verbose_name_plural': '审批结果待办',
            },
        ),
        migrations.AddField(
            model_name='approvalrequest',
            name='business_unit',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.orgunit', verbose_name='业务单位'),
        ),
        migrations.AddField(
            model_name='approvalrequest',
            name='stuck_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='发现无法继续的时间'),
        ),
        migrations.AddField(
            model_name='approvalrequest',
            name='stuck_reason',
            field=models.CharField(blank=True, max_length=500, verbose_name='无法继续的原因'),
        ),
        migrations.AlterField(
            model_name='approvalrequest',
            name='applicant_unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='approval_requests', to='org.orgunit', verbose_name='申请人单位'),
        ),
        migrations.AddIndex(
            model_name='approvalrequest',
            index=models.Index(fields=['business_unit', '-id'], name='workflow_request_unit'),
        ),
        migrations.AddField(
            model_name='outcomeoutbox',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='决定人'),
        ),
        migrations.AddField(
            model_name='outcomeoutbox',
            name='request',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='outbox', to='workflow.approvalrequest'),
        ),
        migrations.AddIndex(
            model_name='outcomeoutbox',
            index=models.Index(fields=['applied_at', 'next_attempt_at'], name='workflow_outbox_pending'),
        ),
    ]
