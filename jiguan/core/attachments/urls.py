"""The kernel's attachment pages: ``/attachments/<app_label>.<model>/<pk>/…`` (names ``attachments:…``)."""

from django.urls import path

from . import views

app_name = "attachments"

urlpatterns = [
    path("<str:object_type>/<int:pk>/", views.AttachmentUploadView.as_view(), name="upload"),
    path("<str:object_type>/<int:pk>/<int:attachment_pk>/", views.AttachmentDownloadView.as_view(), name="download"),
    path("<str:object_type>/<int:pk>/<int:attachment_pk>/delete/", views.AttachmentDeleteView.as_view(),
         name="delete"),
]
