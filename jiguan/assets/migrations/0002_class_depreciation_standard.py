"""The standards table 资产分类与折旧类别对照 (jiguan/assets/standards_data.py)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from jiguan.assets.standards_data import TABLES
    from jiguan.standards import shipped

    shipped.load(apps, tables=TABLES)


def backwards(apps, schema_editor):
    from jiguan.assets.standards_data import TABLES
    from jiguan.standards import shipped

    shipped.unload(apps, tables=TABLES)


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_initial"), ("standards", "0002_shipped_standards")]
    operations = [migrations.RunPython(forwards, backwards)]
