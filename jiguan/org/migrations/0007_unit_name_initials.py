"""The pinyin initials of every unit's name (福州市教育局 -> fzsjyj), for the unit picker: the column,
its prefix index (varchar_pattern_ops on PostgreSQL, whatever the collation) and the initials of the
units that exist already. New and renamed units get theirs on save (jiguan.core.pinyin.InitialsField)."""

from django.db import migrations, models

import jiguan.core.pinyin

BATCH = 2000


def fill_initials(apps, schema_editor):
    OrgUnit = apps.get_model("org", "OrgUnit")
    last = 0
    while True:
        units = list(OrgUnit.objects.filter(pk__gt=last).order_by("pk").only("pk", "name")[:BATCH])
        if not units:
            return
        for unit in units:
            unit.name_initials = jiguan.core.pinyin.initials(unit.name or "")
        OrgUnit.objects.bulk_update(units, ["name_initials"], batch_size=500)
        last = units[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ("org", "0006_role_retired_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="orgunit",
            name="name_initials",
            field=jiguan.core.pinyin.InitialsField(verbose_name="名称拼音首字母"),
        ),
        migrations.RunPython(fill_initials, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="orgunit",
            index=models.Index(fields=["name_initials"], name="org_unit_initials_prefix",
                               opclasses=["varchar_pattern_ops"]),
        ),
    ]
