"""The kernel's attachment API: ``/api/v1/attachments/<app_label>.<model>/<pk>/[<attachment_pk>/]``."""

from django.urls import path

from .api import AttachmentViewSet

urlpatterns = [
    path("attachments/<str:object_type>/<int:pk>/", AttachmentViewSet.as_view({"get": "list", "post": "create"}),
         name="attachment-list"),
    path("attachments/<str:object_type>/<int:pk>/<int:attachment_pk>/",
         AttachmentViewSet.as_view({"get": "retrieve", "delete": "destroy"}), name="attachment-detail"),
]
