"""Asset documents are numbered by the kernel (jiguan.workflow.documents.next_number): their
counters move from the asset code sequence table, where they were kept under "#DB-2026-"-style
prefixes beside the asset codes' prefixes, to workflow.DocumentSequence(prefix, year). The numbers
given so far stay; the next transfer of 2026 after DB-2026-000041 is DB-2026-000042."""

import re

from django.db import migrations

OLD = re.compile(r"^#([A-Z][A-Z0-9]{0,9})-(\d{4})-$")
ASSET_PREFIXES = ("DB", "CZ", "TZ", "PZ")  # transfer, disposal, value change, configuration request


def copy_counters(apps, schema_editor):
    AssetCodeSequence = apps.get_model("assets", "AssetCodeSequence")
    DocumentSequence = apps.get_model("workflow", "DocumentSequence")
    moved = []
    for row in AssetCodeSequence.objects.filter(prefix__startswith="#"):
        match = OLD.match(row.prefix)
        if match is None:
            continue
        prefix, year = match.group(1), int(match.group(2))
        counter, _created = DocumentSequence.objects.get_or_create(prefix=prefix, year=year)
        if row.last_value > counter.last_value:
            counter.last_value = row.last_value
            counter.save(update_fields=["last_value"])
        moved.append(row.pk)
    AssetCodeSequence.objects.filter(pk__in=moved).delete()


def copy_back(apps, schema_editor):
    AssetCodeSequence = apps.get_model("assets", "AssetCodeSequence")
    DocumentSequence = apps.get_model("workflow", "DocumentSequence")
    for counter in DocumentSequence.objects.filter(prefix__in=ASSET_PREFIXES):
        row, _created = AssetCodeSequence.objects.get_or_create(prefix=f"#{counter.prefix}-{counter.year}-")
        if counter.last_value > row.last_value:
            row.last_value = counter.last_value
            row.save(update_fields=["last_value"])
    DocumentSequence.objects.filter(prefix__in=ASSET_PREFIXES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0016_withdraw_unsubmittable_drafts"),
        ("workflow", "0006_document_numbers"),
    ]

    operations = [
        migrations.RunPython(copy_counters, copy_back),
    ]
