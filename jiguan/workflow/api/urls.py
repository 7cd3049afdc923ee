from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("workflow/flows", views.FlowViewSet, basename="flow")
router.register("workflow/steps", views.FlowStepViewSet, basename="flowstep")
router.register("workflow/requests", views.ApprovalRequestViewSet, basename="approvalrequest")
urlpatterns = router.urls
