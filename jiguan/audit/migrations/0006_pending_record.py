"""Audit records not chained yet (待封存): writers insert them without the chain lock and the sealer
moves them into the chain after commit. On PostgreSQL a trigger refuses UPDATE of them (the sealer
only inserts into the chain and deletes here)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


CREATE = """
CREATE OR REPLACE FUNCTION audit_pendingrecord_no_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_pendingrecord cannot be changed: UPDATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_pendingrecord_no_update
    BEFORE UPDATE ON audit_pendingrecord
    FOR EACH ROW EXECUTE FUNCTION audit_pendingrecord_no_update();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_pendingrecord_no_update ON audit_pendingrecord;
DROP FUNCTION IF EXISTS audit_pendingrecord_no_update();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_token_revoke_action'),
        ('org', '0004_api_tokens'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PendingRecord',
            fields=[
                ('actor_username', models.CharField(blank=True, max_length=150, verbose_name='操作人账号')),
                ('org_path', models.CharField(blank=True, max_length=255, verbose_name='单位路径')),
                ('ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP 地址')),
                ('request_id', models.CharField(blank=True, max_length=32, verbose_name='请求编号')),
                ('channel', models.CharField(blank=True, max_length=16, verbose_name='渠道')),
                ('action', models.CharField(choices=[('create', '新增'), ('update', '修改'), ('delete', '删除'), ('move', '移动'), ('state', '状态变更'), ('import', '导入'), ('export', '导出'), ('login', '登录'), ('login_failed', '登录失败'), ('logout', '退出'), ('lock', '账号锁定'), ('unlock', '账号解锁'), ('password', '修改密码'), ('permission', '权限变更'), ('token', '签发令牌'), ('token_revoke', '撤销令牌')], max_length=20, verbose_name='操作')),
                ('object_type', models.CharField(blank=True, max_length=100, verbose_name='对象类型')),
                ('object_id', models.CharField(blank=True, max_length=64, verbose_name='对象编号')),
                ('object_repr', models.CharField(blank=True, max_length=200, verbose_name='对象')),
                ('before', models.JSONField(blank=True, null=True, verbose_name='修改前')),
                ('after', models.JSONField(blank=True, null=True, verbose_name='修改后')),
                ('success', models.BooleanField(default=True, verbose_name='成功')),
                ('message', models.CharField(blank=True, max_length=500, verbose_name='说明')),
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('occurred_at', models.DateTimeField(verbose_name='时间')),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                ('org', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.orgunit', verbose_name='操作人单位')),
            ],
            options={
                'default_permissions': (),
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
