"""The shipped default source of two tables (资金来源, 资产使用状态) named the project's internal notes
("FACTS") to users: say what it means in Chinese, in the tables and their unchanged shipped entries."""

from django.db import migrations

RENAMED = {
    "平台默认值（FACTS 未列明，待按本地资产卡片规范核定）": "平台默认值（现行规定未列明，待按本地资产卡片规范核定）",
    "平台默认值（FACTS 未列明）": "平台默认值（现行规定未列明）",
}


def rename(apps, schema_editor, renamed=RENAMED):
    StandardTable = apps.get_model("standards", "StandardTable")
    StandardEntry = apps.get_model("standards", "StandardEntry")
    for old, new in renamed.items():
        StandardTable.objects.filter(default_source=old).update(default_source=new)
        StandardEntry.objects.filter(source=old, approved_by__isnull=True).update(source=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ("standards", "0004_import_batches"),
    ]

    operations = [
        migrations.RunPython(rename, rename_back),
    ]
