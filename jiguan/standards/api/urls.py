from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("standards/tables", views.StandardTableViewSet, basename="standardtable")
router.register("standards/entries", views.StandardEntryViewSet, basename="standardentry")
router.register("standards/change-requests", views.StandardChangeRequestViewSet, basename="standardchangerequest")
urlpatterns = router.urls
