"""Configuration requests keep the idle cards they were offered as ids (``idle_assets``), not as the
cards' codes in the text of ``check_notes``, which showed another city's codes to every viewer. The
codes of each idle note become ids where a card still has that code; the note keeps its count
(``idle_count``) and its message, never the codes."""

from django.db import migrations, models


def codes_to_ids(apps, schema_editor):
    Request = apps.get_model("assets", "ConfigurationRequest")
    Asset = apps.get_model("assets", "Asset")
    for request in Request.objects.all().iterator(chunk_size=500):
        notes, changed = [], False
        for note in request.check_notes or []:
            if isinstance(note, dict) and isinstance(note.get("idle"), list):
                codes = [str(c) for c in note["idle"]]
                request.idle_assets.add(*Asset.objects.filter(code__in=codes).values_list("pk", flat=True))
                note = {k: v for k, v in note.items() if k != "idle"} | {"idle_count": len(codes)}
                changed = True
            notes.append(note)
        if changed:
            Request.objects.filter(pk=request.pk).update(check_notes=notes)


def ids_to_codes(apps, schema_editor):
    Request = apps.get_model("assets", "ConfigurationRequest")
    for request in Request.objects.all().iterator(chunk_size=500):
        notes, changed = [], False
        for note in request.check_notes or []:
            if isinstance(note, dict) and "idle_count" in note:
                codes = list(request.idle_assets.order_by("acquired_on", "pk").values_list("code", flat=True))
                note = {k: v for k, v in note.items() if k != "idle_count"} | {"idle": codes}
                changed = True
            notes.append(note)
        if changed:
            Request.objects.filter(pk=request.pk).update(check_notes=notes)


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0012_object_locks_for_open_documents'),
    ]

    operations = [
        migrations.AddField(
            model_name='configurationrequest',
            name='idle_assets',
            field=models.ManyToManyField(blank=True, related_name='+', to='assets.asset', verbose_name='可调剂闲置资产'),
        ),
        migrations.RunPython(codes_to_ids, ids_to_codes),
    ]
