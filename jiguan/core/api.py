"""API base classes: scoped viewsets and model permissions. Errors and pagination: ``core.rest``."""

from __future__ import annotations

from django.db import transaction
from rest_framework import exceptions, permissions, viewsets

from .rest import Conflict, error_response  # noqa: F401  (re-exported for apps)
from .scoping import permission_name


class ScopedModelPermissions(permissions.DjangoModelPermissions):
    """Model permissions including view; object-level checks come from the scoped queryset."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }


ACTION_FOR_METHOD = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change",
                     "PATCH": "change", "DELETE": "delete"}


class ScopedViewSetMixin:
    """Restricts ``queryset`` to the caller's scope for the request's action. ``optimize`` adds the
    select/prefetch a serializer needs. Writes go through ``perform_*`` hooks that call services."""

    permission_classes = [permissions.IsAuthenticated, ScopedModelPermissions]

    def scope_action(self) -> str:
        return ACTION_FOR_METHOD.get(self.request.method, "view")

    def get_queryset(self):
        model = self.queryset.model
        if getattr(self, "swagger_fake_view", False):
            return model.objects.none()
        return self.optimize(model.objects.restrict(self.request.user, self.scope_action()))

    def optimize(self, queryset):
        return queryset

    def required_permission(self, action: str) -> str:
        return permission_name(self.queryset.model, action)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Subclasses implement ``perform_create``/``perform_update``/``perform_destroy`` with their
    app's services (which validate and audit). The defaults refuse, so nothing writes un-audited."""

    def perform_create(self, serializer):
        raise exceptions.MethodNotAllowed(self.request.method)

    def perform_update(self, serializer):
        raise exceptions.MethodNotAllowed(self.request.method)

    def perform_destroy(self, instance):
        raise exceptions.MethodNotAllowed(self.request.method)

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().update(request, *args, **kwargs)
