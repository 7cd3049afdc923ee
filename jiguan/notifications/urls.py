from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("read/", views.MarkReadView.as_view(), name="mark_read"),
    path("<int:pk>/", views.OpenView.as_view(), name="open"),
    path("announcements/", views.AnnouncementListView.as_view(), name="announcement_list"),
    path("announcements/new/", views.AnnouncementCreateView.as_view(), name="announcement_create"),
    path("announcements/<int:pk>/", views.AnnouncementDetailView.as_view(), name="announcement_detail"),
    path("announcements/<int:pk>/withdraw/", views.AnnouncementWithdrawView.as_view(), name="announcement_withdraw"),
]
