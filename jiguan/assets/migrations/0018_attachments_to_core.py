"""The cards' photos and attachments (照片与附件) become kernel attachments: every AssetAttachment row
is copied to core.Attachment (content type assets.asset, object id the card), then the table is
dropped. The files stay where they are (the rows keep their stored names under assets/<card id>/).

Ids are kept when core.Attachment is still empty (it is, on an installation that has not used it):
the download URLs, the audit records (object assets.assetattachment, same id) and the timeline entries
that name an attachment (AssetEvent.data["attachment"]) keep pointing at the same file. Otherwise new
ids are given and those timeline entries are rewritten to them."""

from django.core.management.color import no_style
from django.db import migrations

FIELDS = ("kind", "filename", "size", "sha256", "description", "uploaded_by_id", "uploaded_at")
BATCH = 1000


class _KeepUploadTime:
    """Copies keep their upload time: ``auto_now_add`` would stamp them with the migration's."""

    def __init__(self, model):
        self.field = model._meta.get_field("uploaded_at")

    def __enter__(self):
        self.field.auto_now_add = False

    def __exit__(self, *exc):
        self.field.auto_now_add = True


def _reset_sequence(schema_editor, model):
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [model]):
        schema_editor.execute(sql)


def to_core(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AssetAttachment = apps.get_model("assets", "AssetAttachment")
    AssetEvent = apps.get_model("assets", "AssetEvent")
    Attachment = apps.get_model("core", "Attachment")
    if not AssetAttachment.objects.exists():
        return
    asset_type, _created = ContentType.objects.get_or_create(app_label="assets", model="asset")
    keep_ids = not Attachment.objects.exists()
    with _KeepUploadTime(Attachment):
        renumbered = _copy(AssetAttachment, Attachment, asset_type, keep_ids)
    if keep_ids:
        _reset_sequence(schema_editor, Attachment)
        return
    # Timeline entries that link an upload: kind "attachment" with data {"attachment": id}.
    for event in AssetEvent.objects.filter(kind="attachment").only("id", "data").iterator(chunk_size=BATCH):
        old = (event.data or {}).get("attachment")
        if old in renumbered:
            event.data = {**event.data, "attachment": renumbered[old]}
            event.save(update_fields=["data"])


def _copy(AssetAttachment, Attachment, asset_type, keep_ids) -> dict:
    renumbered = {}  # old id -> new id, when ids cannot be kept
    rows = AssetAttachment.objects.order_by("id")
    last = 0
    while True:
        batch = list(rows.filter(id__gt=last)[:BATCH])
        if not batch:
            break
        last = batch[-1].id
        copies = [Attachment(id=row.id if keep_ids else None, content_type=asset_type, object_id=row.asset_id,
                             file=row.file.name, content_type_name=row.content_type,
                             **{name: getattr(row, name) for name in FIELDS}) for row in batch]
        if keep_ids:
            Attachment.objects.bulk_create(copies)
        else:
            for row, copy in zip(batch, copies, strict=True):
                copy.save()  # one at a time: every database gives the new id back
                renumbered[row.id] = copy.id
    return renumbered


def to_assets(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AssetAttachment = apps.get_model("assets", "AssetAttachment")
    Attachment = apps.get_model("core", "Attachment")
    asset_type = ContentType.objects.filter(app_label="assets", model="asset").first()
    if asset_type is None:
        return
    rows = Attachment.objects.filter(content_type=asset_type).order_by("id")
    with _KeepUploadTime(AssetAttachment):
        for start in range(0, rows.count(), BATCH):
            AssetAttachment.objects.bulk_create([
                AssetAttachment(id=row.id, asset_id=row.object_id, file=row.file.name,
                                content_type=row.content_type_name, **{name: getattr(row, name) for name in FIELDS})
                for row in rows[start:start + BATCH]])
    _reset_sequence(schema_editor, AssetAttachment)
    rows.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("assets", "0017_document_numbers"),
        ("core", "0002_attachments_history"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(to_core, to_assets),
        migrations.DeleteModel(name="AssetAttachment"),
    ]
