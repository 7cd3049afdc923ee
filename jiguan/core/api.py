"""API base classes: scoped viewsets and model permissions. Errors and pagination: ``core.rest``."""

from __future__ import annotations

from django.db import transaction
from rest_framework import exceptions, permissions, viewsets

from . import context
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

    def has_permission(self, request, view):
        # A method the endpoint does not offer is 405 before any permission check (which would say
        # 403 for the never-granted change/delete permission of the read-only audit log).
        method = request.method.lower()
        if method not in view.http_method_names or not hasattr(view, method):
            raise exceptions.MethodNotAllowed(request.method)
        model = view.queryset.model if getattr(view, "queryset", None) is not None else None
        if not getattr(view, "require_model_permission", True) or getattr(model, "scope_owner", None):
            # Rows limited by restrict() alone: personal rows, approval requests routed to the caller.
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)

    def _queryset(self, view):
        # DRF asks for the queryset only to learn its model: the scoped viewsets' get_queryset()
        # would restrict and annotate a whole query for nothing.
        if getattr(view, "queryset", None) is not None:
            return view.queryset
        return super()._queryset(view)


ACTION_FOR_METHOD = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change",
                     "PATCH": "change", "DELETE": "delete"}


class ScopedViewSetMixin:
    """Restricts ``queryset`` to the caller's scope for the request's action. ``optimize`` adds the
    select/prefetch a serializer needs. Writes go through ``perform_*`` hooks that call services."""

    permission_classes = [permissions.IsAuthenticated, ScopedModelPermissions]
    require_model_permission = True  # False where restrict() alone decides what the caller sees

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # DRF authenticates inside the view (token, session, ...): from here on, audit records and
        # jobs started by this request name the authenticated caller, whatever the method.
        if request.user and request.user.is_authenticated:
            context.update(user=request.user)

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


def require_in_scope(user, model, action: str, unit) -> None:
    """Refuse a write that targets a unit outside the caller's scope for ``action`` on ``model``."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    if unit is None or not user.get_scope(permission_name(model, action)).contains_path(unit.path):
        raise PermissionDenied(_("所选单位不在您的数据范围内。"))
