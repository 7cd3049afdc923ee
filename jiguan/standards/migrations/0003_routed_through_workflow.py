# Change requests are decided by the approval-flow engine (business type "standards.change"): the
# permission of the former direct approval goes away, on the model and in existing databases.

from django.db import migrations


def drop_approve_permission(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="standards", content_type__model="standardchangerequest",
                              codename="approve_standardchangerequest").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('standards', '0002_shipped_standards'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='standardchangerequest',
            options={'default_permissions': ('view', 'add'), 'ordering': ['-created_at', '-id'], 'verbose_name': '标准变更申请', 'verbose_name_plural': '标准变更申请'},
        ),
        migrations.RunPython(drop_approve_permission, migrations.RunPython.noop),
    ]
