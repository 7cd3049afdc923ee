"""The events pages, ``/events/…`` (names ``events:…``)."""

from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("subscribers/", views.SubscriberListView.as_view(), name="subscriber_list"),
    path("subscribers/new/", views.SubscriberCreateView.as_view(), name="subscriber_create"),
    path("subscribers/<int:pk>/edit/", views.SubscriberUpdateView.as_view(), name="subscriber_edit"),
    path("deliveries/", views.DeliveryListView.as_view(), name="delivery_list"),
    path("deliveries/<int:pk>/", views.DeliveryDetailView.as_view(), name="delivery_detail"),
    path("deliveries/<int:pk>/replay/", views.DeliveryReplayView.as_view(), name="delivery_replay"),
]
