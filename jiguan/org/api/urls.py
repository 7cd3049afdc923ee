from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("org/units", views.OrgUnitViewSet, basename="orgunit")
router.register("org/users", views.UserViewSet, basename="user")
router.register("org/roles", views.RoleViewSet, basename="role")
router.register("org/assignments", views.RoleAssignmentViewSet, basename="roleassignment")
router.register("auth/tokens", views.ApiTokenViewSet, basename="apitoken")

urlpatterns = [path("auth/token/", views.TokenView.as_view(), name="auth_token"), *router.urls]
