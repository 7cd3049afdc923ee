"""Pages for attachments, scoped by the object they belong to: upload (POST), download, delete (POST).

The kernel serves them at ``/attachments/<app_label>.<model>/<pk>/…`` for every declared model; a
module that keeps its own URLs (the asset card's ``/assets/<pk>/attachments/…``) subclasses these
views with ``parent_model`` set. Reading needs the declaration's ``view_permission`` over the object,
writing its ``change_permission``; an object outside the caller's scope is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views import View

from ..models import Attachment
from ..views import ScopedViewMixin, focus_path
from . import checks, registry, services


def not_found() -> Http404:
    return Http404(_("记录不存在，或不在您的数据范围内。"))


def scoped(model, user, permission: str):
    """``model``'s rows that ``user`` reaches with ``permission`` (by name: a declaration may name any)."""
    owner = getattr(model, "scope_owner", None)
    if owner:
        return model._default_manager.filter(**{owner: user})
    return model._default_manager.all().in_scope(user.get_scope(permission))


def file_response(attachment: Attachment, inline: bool) -> FileResponse:
    """Stream a stored attachment with its original name; a download unless shown inline is safe."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("附件文件不存在。")) from None
    inline = inline and attachment.content_type_name in checks.INLINE_TYPES
    response = FileResponse(handle, as_attachment=not inline, filename=attachment.filename,
                            content_type=attachment.content_type_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def attachments_context(obj, user) -> dict:
    """The variables of ``core/_attachments.html`` for ``obj`` as ``user`` sees it."""
    declaration = registry.declaration(obj)
    rows = list(services.attachments_of(obj))
    for attachment in rows:
        attachment.download_url = declaration.url("download", obj.pk, attachment.pk)
        attachment.delete_url = declaration.url("delete", obj.pk, attachment.pk)
    can_change = user.has_perm(declaration.change_permission, obj)
    return {
        "attachments": rows,
        "attachment_photos": [a for a in rows if a.is_photo],
        "attachment_files": [a for a in rows if not a.is_photo],
        "can_attach": can_change,
        "can_delete_attachments": can_change and declaration.may_delete(obj),
        "attachment_upload_url": declaration.url("upload", obj.pk),
        "attachment_accept": checks.accept(),
        "attachment_max_mb": checks.attachment_max_bytes() // 1024 // 1024,
    }


class AttachmentViewMixin(ScopedViewMixin):
    """The object an attachment URL names, in the caller's scope for the view's ``access``."""

    model = Attachment  # the rows served; their object's model is the declaration's
    parent_model = None  # set by a module's own URLs; the kernel's name it (``object_type``)
    access = "view"  # or "change"

    def declaration(self):
        if not hasattr(self, "_declaration"):
            target = self.parent_model or self.kwargs.get("object_type", "")
            try:
                self._declaration = registry.declaration(target)
            except LookupError:
                raise not_found() from None
        return self._declaration

    def required_permission(self) -> str:
        declaration = self.declaration()
        return declaration.change_permission if self.access == "change" else declaration.view_permission

    def base_queryset(self):
        model = self.declaration().model
        queryset = scoped(model, self.request.user, self.required_permission())
        focus = focus_path(self.request)
        if focus and getattr(model, "scope_path", None):
            queryset = queryset.filter(**{f"{model.scope_path}__startswith": focus})
        return queryset

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
            if self._object is None:
                raise not_found()
        return self._object

    def get_attachment(self):
        attachment = services.attachments_of(self.get_object()).filter(pk=self.kwargs["attachment_pk"]).first()
        if attachment is None:
            raise not_found()
        return attachment

    def back_url(self, obj) -> str:
        return f"{obj.get_absolute_url()}#attachments"


class AttachmentUploadView(AttachmentViewMixin, View):
    """上传照片与附件 (POST, multipart ``files`` and an optional ``description``): users who may change
    the object. All or nothing; errors come back to the object's page as messages."""

    access = "change"
    http_method_names = ["post"]

    def post(self, request, **kwargs):
        obj = self.get_object()
        try:
            added = services.attachments_add(obj=obj, files=request.FILES.getlist("files"), actor=request.user,
                                             description=request.POST.get("description", "").strip())
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(obj.get_absolute_url())  # the messages show at the top
        messages.success(request, _("已上传 %(n)d 个文件。") % {"n": len(added)})
        return HttpResponseRedirect(self.back_url(obj))


class AttachmentDownloadView(AttachmentViewMixin, View):
    """An attachment's file, for whoever may view the object (404 outside the scope). ``?inline=1``
    shows photos and PDFs in the browser (the thumbnails)."""

    def get(self, request, **kwargs):
        return file_response(self.get_attachment(), inline=request.GET.get("inline") == "1")


class AttachmentDeleteView(AttachmentViewMixin, View):
    """删除附件 (POST): users who may change the object, while its declaration allows it."""

    access = "change"
    http_method_names = ["post"]

    def post(self, request, **kwargs):
        attachment = self.get_attachment()
        back = self.back_url(self.get_object())
        try:
            services.attachment_delete(attachment=attachment, actor=request.user)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(back)
        messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.filename})
        return HttpResponseRedirect(back)
