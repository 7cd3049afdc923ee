"""The disposal rules as attributes of the disposal-method standards (standards_data.DISPOSAL_RULES)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from jiguan.assets.standards_data import apply_disposal_rules

    apply_disposal_rules(apps)


class Migration(migrations.Migration):
    dependencies = [("assets", "0003_attachments"), ("standards", "0002_shipped_standards")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
