"""Writing attachments: each upload checked (``checks``), stored in the private storage, audited and
written on the object's timeline (when its model keeps a history) in one transaction; a delete is
audited too and removes the file once committed. Modules call these (or wrap them); nothing else
writes ``core.Attachment``."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from jiguan.audit import services as audit
from jiguan.audit.models import Action

from .. import history
from ..context import current
from ..models import Attachment, AttachmentKind
from . import registry
from .checks import ATTACHMENT_MAX_FILES, attachment_check

HISTORY_KIND = "attachment"  # the kind of the timeline entries written here (资产履历: 附件)


def _actor(actor=None):
    if actor is not None:
        return actor
    user = current().user
    return user if getattr(user, "pk", None) else None


def attachments_of(obj):
    """The object's attachments, oldest first, with their uploader."""
    return (Attachment.objects.filter(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk)
            .select_related("uploaded_by").order_by("id"))


def attachment_deletable(obj) -> bool:
    """Whether ``obj``'s attachments may still be deleted (its declaration's ``deletable``)."""
    return registry.declaration(obj).may_delete(obj)


def attachment_data(attachment: Attachment) -> dict:
    """What the audit records of an attachment hold."""
    content_type = ContentType.objects.get_for_id(attachment.content_type_id)
    return {"object_type": f"{content_type.app_label}.{content_type.model}", "object_id": attachment.object_id,
            "kind": attachment.kind, "filename": attachment.filename, "size": attachment.size,
            "content_type": attachment.content_type_name, "sha256": attachment.sha256,
            "description": attachment.description, "stored": attachment.file.name}


def _add(declaration, obj, file, description: str, checked: tuple | None, actor) -> Attachment:
    kind, content_type, sha256, filename = checked or attachment_check(file)
    attachment = Attachment(content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk, kind=kind,
                            filename=filename, size=file.size, content_type_name=content_type, sha256=sha256,
                            description=(description or "")[:200], uploaded_by=actor)
    file.seek(0)
    attachment.file.save(filename, file if isinstance(file, File) else File(file), save=False)
    try:
        with transaction.atomic():
            attachment.full_clean(exclude=["file"])
            attachment.save()
            audit.record(Action.CREATE, attachment, after=attachment_data(attachment), actor=actor,
                         message=_("%(object)s 上传附件") % {"object": declaration.describe(obj)})
            if history.is_registered(obj):
                label = _("上传照片") if kind == AttachmentKind.PHOTO else _("上传附件")
                history.add(obj, HISTORY_KIND, f"{label}：{filename}", document=filename[:80], actor=actor,
                            data={"attachment": attachment.pk, "kind": kind, "filename": filename, "sha256": sha256})
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachment_add(*, obj, file, description: str = "", checked: tuple | None = None, actor=None) -> Attachment:
    """Attach one photo or document to ``obj``: checked (type by extension and content, size),
    stored under the private root, audited and on the object's timeline. ``checked``: the result of
    ``attachment_check(file)`` if the caller has it already. ``actor``: the user the declaration's
    ``add_policy`` is asked about (pages and the API pass theirs; the uploader recorded is the
    acting user when none is given)."""
    declaration = registry.declaration(obj)
    declaration.check_add(actor, obj)
    return _add(declaration, obj, file, description, checked, _actor(actor))


def attachments_add(*, obj, files, description: str = "", actor=None) -> list[Attachment]:
    """Several files at once, all or nothing: every file is checked before any is stored."""
    declaration = registry.declaration(obj)
    declaration.check_add(actor, obj)
    actor = _actor(actor)
    files = list(files)
    if not files:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    if len(files) > ATTACHMENT_MAX_FILES:
        raise ValidationError({"file": _("一次最多上传 %(n)d 个文件。") % {"n": ATTACHMENT_MAX_FILES}})
    checked, errors = [], []
    for file in files:
        try:
            checked.append(attachment_check(file))
        except ValidationError as exc:
            errors.extend(exc.message_dict.get("file", exc.messages))
    if errors:
        raise ValidationError({"file": errors})
    added: list[Attachment] = []
    try:
        with transaction.atomic():
            for file, check in zip(files, checked, strict=True):
                added.append(_add(declaration, obj, file, description, check, actor))
    except BaseException:
        for attachment in added:  # the rows rolled back; remove their files too
            attachment.file.storage.delete(attachment.file.name)
        raise
    return added


@transaction.atomic
def attachment_delete(*, attachment: Attachment, actor=None) -> None:
    """Delete an attachment: the row now, audited and on the timeline; the file once committed
    (``actor``: as for ``attachment_add``, asked of the ``delete_policy``). The object's row is locked first, so a change of state that makes its attachments undeletable (a
    disposal filed meanwhile) either waits for this or is seen by it."""
    attachment = Attachment.objects.get(pk=attachment.pk)
    model = ContentType.objects.get_for_id(attachment.content_type_id).model_class()
    declaration = registry.declaration(model)
    obj = model._default_manager.select_for_update().get(pk=attachment.object_id)
    declaration.check_delete(actor, obj)
    actor = _actor(actor)
    if not declaration.may_delete(obj):
        raise PermissionDenied(declaration.refusal_message(obj))
    stored, storage = attachment.file.name, attachment.file.storage
    audit.record(Action.DELETE, attachment, before=attachment_data(attachment), actor=actor,
                 message=_("%(object)s 删除附件") % {"object": declaration.describe(obj)})
    if history.is_registered(obj):
        history.add(obj, HISTORY_KIND, _("删除附件：%(name)s") % {"name": attachment.filename},
                    document=attachment.filename[:80], actor=actor,
                    data={"deleted": attachment.pk, "kind": attachment.kind, "filename": attachment.filename,
                          "sha256": attachment.sha256})
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored))
