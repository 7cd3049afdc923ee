"""The standards shipped with the platform (FACTS.md): tables and first versions, each row with its
source document and confidence. See jiguan/standards/shipped.py."""

from django.db import migrations


def forwards(apps, schema_editor):
    from jiguan.standards import shipped

    shipped.load(apps)


def backwards(apps, schema_editor):
    from jiguan.standards import shipped

    shipped.unload(apps)


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
