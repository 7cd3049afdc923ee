"""The events API, mounted at ``/api/v1/events/``."""

from rest_framework.routers import SimpleRouter

from .api import DeliveryViewSet, SubscriberViewSet

router = SimpleRouter()
router.register("subscribers", SubscriberViewSet, basename="event-subscriber")
router.register("deliveries", DeliveryViewSet, basename="event-delivery")
urlpatterns = router.urls
