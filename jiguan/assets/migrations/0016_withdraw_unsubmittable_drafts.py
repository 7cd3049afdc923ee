"""Drafts (草稿) of transfers, disposals, value changes and configuration requests are withdrawn
(已撤回) and release what they held. ``submit: false`` created them, and no page or API could ever
submit, cancel or delete one, so each held its cards for good: its object locks
(``0012_object_locks_for_open_documents`` took them for drafts too), its open lines and, for a
disposal, the cards' 待处置 status (they return to the status they had). Documents are now submitted
when they are created; each card's timeline says why its draft was withdrawn."""

from django.db import migrations
from django.db.models import F
from django.utils import timezone

DRAFT, WITHDRAWN, PENDING_DISPOSAL = "draft", "withdrawn", "pending_disposal"
WHY = "草稿无法提交，已撤回"


def withdraw_drafts(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ObjectLock = apps.get_model("core", "ObjectLock")
    Asset = apps.get_model("assets", "Asset")
    AssetEvent = apps.get_model("assets", "AssetEvent")
    events = []

    def release(model_name, pk):
        holder = ContentType.objects.filter(app_label="assets", model=model_name).first()
        if holder is not None:
            ObjectLock.objects.filter(holder_type=holder, holder_id=pk).delete()

    def timeline(asset_ids, kind, label, doc, key):
        events.extend(AssetEvent(asset_id=i, kind=kind, occurred_on=timezone.localtime(doc.created_at).date(), actor_id=doc.requested_by_id,
                                 summary=f"{label}{WHY}（{doc.number}）", document=doc.number, data={key: doc.pk})
                      for i in asset_ids)

    Transfer = apps.get_model("assets", "Transfer")
    for doc in Transfer.objects.filter(status=DRAFT):
        ids = list(doc.items.filter(open=True).values_list("asset_id", flat=True))
        doc.items.update(open=False)
        release("transfer", doc.pk)
        timeline(ids, "transfer_cancelled", "调拨", doc, "transfer")
    Transfer.objects.filter(status=DRAFT).update(status=WITHDRAWN)

    Disposal = apps.get_model("assets", "Disposal")
    for doc in Disposal.objects.filter(status=DRAFT):
        items = list(doc.items.filter(open=True))
        for item in items:
            Asset.objects.filter(pk=item.asset_id, status=PENDING_DISPOSAL).update(status=item.prev_status,
                                                                               version=F("version") + 1)
        doc.items.update(open=False)
        release("disposal", doc.pk)
        timeline([i.asset_id for i in items], "disposal_cancelled", "处置", doc, "disposal")
    Disposal.objects.filter(status=DRAFT).update(status=WITHDRAWN)

    ValueChange = apps.get_model("assets", "ValueChange")
    for doc in ValueChange.objects.filter(status=DRAFT):
        release("valuechange", doc.pk)
        timeline([doc.asset_id], "value_cancelled", "价值调整", doc, "value_change")
    ValueChange.objects.filter(status=DRAFT).update(status=WITHDRAWN)

    apps.get_model("assets", "ConfigurationRequest").objects.filter(status=DRAFT).update(status=WITHDRAWN)
    AssetEvent.objects.bulk_create(events, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0015_depreciation_run_attempt"),
        ("core", "0001_object_locks"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Not reversible in meaning (nothing says which withdrawn documents were drafts): a no-op back.
    operations = [migrations.RunPython(withdraw_drafts, migrations.RunPython.noop)]
