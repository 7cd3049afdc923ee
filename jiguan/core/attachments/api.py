"""REST API of attachments (照片与附件), for every declared model:

- ``GET  /api/v1/attachments/<app_label>.<model>/<pk>/``: the object's attachments, oldest first;
- ``POST /api/v1/attachments/<app_label>.<model>/<pk>/``: upload one or more files (multipart,
  field ``file`` repeated; all or nothing), with the right to change the object;
- ``GET  /api/v1/attachments/<app_label>.<model>/<pk>/<attachment_pk>/``: download a file;
- ``DELETE`` the same URL: delete it, with the right to change the object.

Reading needs the declaration's ``view_permission`` and the object in the caller's scope (404
otherwise); writing needs its ``change_permission`` (403) over the object (403 when it is visible but
not the caller's to change). A module that keeps its own routes (the asset card's
``/api/v1/assets/<pk>/attachments/``) answers them with ``list_response``, ``upload_response`` and
``attachment_response`` from its viewset's actions."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.response import Response

from ..api import ScopedViewSetMixin
from ..models import Attachment, AttachmentKind
from ..serializers import ModelSerializer, Serializer
from . import checks, registry, services
from .views import file_response, scoped

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class AttachmentSerializer(ModelSerializer):
    object_type = serializers.SerializerMethodField(help_text=_("所属对象的类型，如 assets.asset"))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    content_type = serializers.CharField(source="content_type_name", read_only=True,
                                         help_text=_("文件类型（MIME）"))
    uploaded_by_name = serializers.CharField(source="uploaded_by.display_name", read_only=True, default=None,
                                             allow_null=True)
    url = serializers.SerializerMethodField(help_text=_("下载地址（须有查看所属对象的权限）"))

    class Meta:
        model = Attachment
        fields = ["id", "object_type", "object_id", "kind", "kind_display", "filename", "size", "content_type",
                  "sha256", "description", "uploaded_by", "uploaded_by_name", "uploaded_at", "url"]
        read_only_fields = fields

    def get_object_type(self, obj) -> str:
        from django.contrib.contenttypes.models import ContentType

        return ContentType.objects.get_for_id(obj.content_type_id).model_class()._meta.label_lower

    def get_url(self, obj) -> str:
        path = self.download_path(obj)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def download_path(self, obj) -> str:
        return reverse("attachment-detail", args=[self.get_object_type(obj), obj.object_id, obj.pk])


class AttachmentUploadSerializer(Serializer):
    file = serializers.ListField(
        child=serializers.FileField(), allow_empty=False,
        help_text=_("一个或多个文件（字段 file 可重复）：照片 JPG、PNG、WEBP，文档 PDF、DOCX、XLSX、OFD"))
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                        help_text=_("说明，适用于本次上传的全部文件"))


class AttachmentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AttachmentKind.choices, label=gettext_lazy("类型"))

    class Meta:
        model = Attachment
        fields = ["kind"]


# Answers shared by the kernel's routes and a module's own ---------------------------------------


def require_change(user, obj) -> None:
    """Writing needs the declaration's change permission over ``obj`` (which the caller sees)."""
    declaration = registry.declaration(obj)
    if not user.has_perm(declaration.change_permission):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    if not scoped(type(obj), user, declaration.change_permission).filter(pk=obj.pk).exists():
        raise PermissionDenied(_("该记录不在您的数据范围内。"))


def list_response(view, obj, serializer_class=AttachmentSerializer):
    """A page of ``obj``'s attachments, oldest first (``?kind=photo|document`` on the kernel's route)."""
    rows = services.attachments_of(obj)
    if getattr(view, "filterset_class", None) is AttachmentFilter:
        rows = view.filter_queryset(rows)
    page = view.paginate_queryset(rows)
    return view.get_paginated_response(serializer_class(page, many=True, context={"request": view.request}).data)


def upload_response(request, obj, serializer_class=AttachmentSerializer, check_change=require_change):
    """Upload the request's files to ``obj``: 201 with the attachments added. ``check_change(user,
    obj)`` refuses a caller who may not change the object (403); None where the declaration's
    ``add_policy`` (asked by the service) says it."""
    if check_change is not None:
        check_change(request.user, obj)
    body = AttachmentUploadSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    added = services.attachments_add(obj=obj, files=body.validated_data["file"], actor=request.user,
                                     description=body.validated_data.get("description", ""))
    return Response(serializer_class(added, many=True, context={"request": request}).data,
                    status=status.HTTP_201_CREATED)


def attachment_response(request, obj, attachment_pk, check_change=require_change):
    """GET: the file of ``obj``'s attachment ``attachment_pk``; DELETE: delete it (204), once
    ``check_change`` lets the caller (as for ``upload_response``)."""
    attachment = services.attachments_of(obj).filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    if request.method == "DELETE":
        if check_change is not None:
            check_change(request.user, obj)
        services.attachment_delete(attachment=attachment, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
    return file_response(attachment, inline=request.query_params.get("inline") == "1")


# The kernel's routes ---------------------------------------------------------------------------


class AttachmentPermissions(permissions.BasePermission):
    """Reading with the declaration's view permission, uploading and deleting with its change
    permission (somewhere: the object's scope is checked on the object)."""

    def has_permission(self, request, view):
        method = request.method.lower()
        if method not in view.http_method_names or not hasattr(view, method):
            raise exceptions.MethodNotAllowed(request.method)
        declaration = view.declaration()
        permission = declaration.view_permission if request.method in SAFE_METHODS else declaration.change_permission
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(permission))


OBJECT_TYPE = OpenApiParameter("object_type", OpenApiTypes.STR, OpenApiParameter.PATH,
                               description="the object's model, app_label.model_name (e.g. assets.asset)")
OBJECT_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="the object's id")
ATTACHMENT_ID = OpenApiParameter("attachment_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                                 description="the attachment's id")
DOWNLOAD_RESPONSES = {(200, content_type): OpenApiTypes.BINARY for content_type in checks.CONTENT_TYPES}


class AttachmentViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Photos and attachments (照片与附件) of any object whose model declares them, through the
    object's data scope."""

    queryset = Attachment.objects.all()
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilter
    permission_classes = [permissions.IsAuthenticated, AttachmentPermissions]
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["id", "uploaded_at"]
    ordering = ["id"]

    def declaration(self):
        try:
            return registry.declaration(self.kwargs.get("object_type", ""))
        except LookupError:
            raise Http404 from None

    def get_parent(self):
        """The object in the URL, if the caller may view it (404 otherwise)."""
        if not hasattr(self, "_parent"):
            declaration = self.declaration()
            self._parent = scoped(declaration.model, self.request.user, declaration.view_permission).filter(
                pk=self.kwargs["pk"]).first()
            if self._parent is None:
                raise Http404
        return self._parent

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        return services.attachments_of(self.get_parent())

    def perform_content_negotiation(self, request, force=False):
        # A download is a file whatever the Accept header asks for; errors are JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "retrieve")

    @extend_schema(operation_id="attachments_list", parameters=[OBJECT_TYPE, OBJECT_ID])
    def list(self, request, object_type=None, pk=None):
        """The object's photos and attachments, oldest first."""
        return list_response(self, self.get_parent())

    @extend_schema(operation_id="attachments_upload", parameters=[OBJECT_TYPE, OBJECT_ID],
                   request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer(many=True)}, filters=False)
    def create(self, request, object_type=None, pk=None):
        """Upload one or more files (multipart, field ``file`` repeated; all or nothing): JPG, PNG or
        WEBP photos, PDF, DOCX, XLSX or OFD documents, each checked by extension and content, at most
        ``JIGUAN_MAX_ATTACHMENT_MB`` (20 MB by default); needs the right to change the object."""
        return upload_response(request, self.get_parent())

    @extend_schema(operation_id="attachments_download", responses=DOWNLOAD_RESPONSES, filters=False,
                   parameters=[OBJECT_TYPE, OBJECT_ID, ATTACHMENT_ID,
                               OpenApiParameter("inline", OpenApiTypes.INT, enum=[1],
                                                description="1: show photos and PDFs in the browser")])
    def retrieve(self, request, object_type=None, pk=None, attachment_pk=None):
        """Download one attachment's file, with its original name and content type."""
        return attachment_response(request, self.get_parent(), attachment_pk)

    @extend_schema(operation_id="attachments_delete", responses={204: None}, filters=False,
                   parameters=[OBJECT_TYPE, OBJECT_ID, ATTACHMENT_ID])
    def destroy(self, request, object_type=None, pk=None, attachment_pk=None):
        """Delete one attachment (file and record, audited); needs the right to change the object."""
        return attachment_response(request, self.get_parent(), attachment_pk)
