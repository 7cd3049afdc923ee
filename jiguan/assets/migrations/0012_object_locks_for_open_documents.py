"""Open documents take their object locks (core.ObjectLock, one open document per card): every draft
or pending transfer, disposal and value change locks its cards, oldest document first. A card that
two open documents hold already (a transfer and a disposal at once, which this lock now prevents)
stays with the older one; the newer document keeps its lines and closes as it would have."""

from django.db import migrations

OPEN = ["draft", "pending"]


def take_locks(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ObjectLock = apps.get_model("core", "ObjectLock")
    Asset = apps.get_model("assets", "Asset")
    asset_type, _created = ContentType.objects.get_or_create(app_label="assets", model="asset")
    held = set(ObjectLock.objects.filter(content_type=asset_type).values_list("object_id", flat=True))
    documents = []  # (created_at, id, model name, label, number, card ids)
    for model_name, label, lines in (("transfer", "资产调拨", "items"), ("disposal", "资产处置", "items")):
        model = apps.get_model("assets", model_name)
        for doc in model.objects.filter(status__in=OPEN).order_by("id"):
            ids = list(getattr(doc, lines).filter(open=True).values_list("asset_id", flat=True))
            documents.append((doc.created_at, doc.pk, model_name, label, doc.number, ids))
    for change in apps.get_model("assets", "ValueChange").objects.filter(status__in=OPEN).order_by("id"):
        documents.append((change.created_at, change.pk, "valuechange", "价值调整", change.number, [change.asset_id]))
    documents.sort(key=lambda d: (d[0], d[2], d[1]))
    rows = []
    for _at, pk, model_name, label, number, ids in documents:
        holder_type, _created = ContentType.objects.get_or_create(app_label="assets", model=model_name)
        codes = dict(Asset.objects.filter(pk__in=ids).values_list("pk", "code"))
        for asset_id in sorted(set(ids) - held):
            held.add(asset_id)
            rows.append(ObjectLock(content_type=asset_type, object_id=asset_id, object_label=codes.get(asset_id, ""),
                                   holder_type=holder_type, holder_id=pk, holder_label=label,
                                   holder_number=number))
    ObjectLock.objects.bulk_create(rows, batch_size=1000)


def drop_locks(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ObjectLock = apps.get_model("core", "ObjectLock")
    types = ContentType.objects.filter(app_label="assets", model__in=["transfer", "disposal", "valuechange"])
    ObjectLock.objects.filter(holder_type__in=types).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0011_maintained_summary"),
        ("core", "0001_object_locks"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(take_locks, drop_locks)]
