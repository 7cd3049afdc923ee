from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from jiguan.audit.models import Action
from jiguan.core.api import ScopedModelViewSet, ScopedViewSetMixin, error_response, require_in_scope
from jiguan.core.schema import error_responses

from .. import filters, services
from ..models import ApiToken, OrgUnit, Role, RoleAssignment, User
from . import serializers


class OrgUnitViewSet(ScopedModelViewSet):
    """Organisation units (组织机构) in the caller's scope."""

    queryset = OrgUnit.objects.all()
    serializer_class = serializers.OrgUnitSerializer
    filterset_class = filters.OrgUnitFilter
    ordering_fields = ["path", "name", "sort_order"]
    ordering = ["path"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        parent = data.pop("parent", None)
        require_in_scope(self.request.user, OrgUnit, "add", parent)
        serializer.instance = services.orgunit_create(parent=parent, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "parent" in data and data["parent"] != serializer.instance.parent:
            raise PermissionDenied(_("请使用 move 操作移动单位。"))
        data.pop("parent", None)
        serializer.instance = services.orgunit_update(unit=serializer.instance, **data)

    @extend_schema(request=serializers.OrgUnitMoveSerializer, responses=serializers.OrgUnitSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move a unit and its subtree under a new parent."""
        if not request.user.has_perm("org.move_orgunit"):
            raise PermissionDenied(_("您没有移动单位的权限。"))
        unit = self.get_object()
        require_in_scope(request.user, OrgUnit, "move", unit)
        body = serializers.OrgUnitMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        require_in_scope(request.user, OrgUnit, "move", body.validated_data["parent"])
        unit = services.orgunit_move(unit=unit, new_parent=body.validated_data["parent"])
        return Response(serializers.OrgUnitSerializer(unit).data)

    def scope_action(self):
        return "view" if self.action == "move" else super().scope_action()


class UserViewSet(ScopedModelViewSet):
    """User accounts in the caller's scope."""

    queryset = User.objects.all()
    serializer_class = serializers.UserSerializer
    filterset_class = filters.UserFilter
    ordering_fields = ["username", "full_name"]
    ordering = ["username"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def optimize(self, queryset):
        return queryset.select_related("unit")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        require_in_scope(self.request.user, User, "add", data.get("unit"))
        serializer.instance = services.user_create(**data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("password", None)
        data.pop("username", None)
        if "unit" in data:
            require_in_scope(self.request.user, User, "change", data["unit"])
        serializer.instance = services.user_update(user=serializer.instance, **data)


class RoleViewSet(ScopedModelViewSet):
    """Roles: named sets of permissions."""

    queryset = Role.objects.all()
    serializer_class = serializers.RoleSerializer
    filterset_class = filters.RoleFilter
    http_method_names = ["get", "head", "options"]

    def optimize(self, queryset):
        return queryset.prefetch_related("permissions__content_type")


class RoleAssignmentViewSet(ScopedModelViewSet):
    """Role assignments: a user holds a role over a unit (alone or with its subtree)."""

    queryset = RoleAssignment.objects.all()
    serializer_class = serializers.RoleAssignmentSerializer
    filterset_class = filters.RoleAssignmentFilter
    http_method_names = ["get", "post", "delete", "head", "options"]

    def optimize(self, queryset):
        return queryset.select_related("user", "role", "unit")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        require_in_scope(self.request.user, RoleAssignment, "add", data["unit"])
        serializer.instance = services.assignment_grant(granted_by=self.request.user, **data)

    def perform_destroy(self, instance):
        services.assignment_revoke(assignment=instance)


class TokenView(APIView):
    """Exchange username and password for an API token (the same lockout rules as the login page)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=serializers.TokenRequestSerializer,
                   responses={200: serializers.TokenResponseSerializer, **error_responses(401, 403, 429)})
    def post(self, request):
        body = serializers.TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            user = services.login_attempt(request=request, username=body.validated_data["username"],
                                          password=body.validated_data["password"], success_action=Action.TOKEN,
                                          success_message=_("登录并签发 API 令牌"))
        except services.SecondFactorRequired as second:
            # 三员 sign in with their second factor on the web page; a system they integrate with
            # uses a named token issued there (API 令牌).
            services.second_factor_token_refused(user=second.user)
            return error_response("second_factor_required",
                                  _("管理员账号须在网页上使用动态口令登录，请登录后在“API 令牌”页签发命名令牌。"),
                                  status.HTTP_403_FORBIDDEN)
        except services.LoginRefused as refused:
            if refused.code == "throttled":
                response = error_response(refused.code, refused.message, status.HTTP_429_TOO_MANY_REQUESTS)
                response["Retry-After"] = str(refused.retry_after)
                return response
            return error_response(refused.code, refused.message, status.HTTP_401_UNAUTHORIZED)
        if user.password_expired:
            return error_response("password_expired", _("密码已过期或为初始密码，请先登录网页修改密码后再获取令牌。"),
                                  status.HTTP_403_FORBIDDEN)
        token, plain = services.apitoken_login_issue(user=user)
        response = Response({"token": plain, "expires_at": token.expires_at, "id": token.pk,
                             "user": serializers.UserSerializer(user).data})
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens: list them, issue a named one (the token is in the answer, once),
    revoke one (DELETE); the other tokens keep working."""

    queryset = ApiToken.objects.all()
    serializer_class = serializers.ApiTokenSerializer
    filterset_class = filters.ApiTokenFilter
    ordering = ["-created_at", "-id"]

    @extend_schema(request=serializers.ApiTokenCreateSerializer,
                   responses={201: serializers.ApiTokenIssuedSerializer})
    def create(self, request):
        """Issue a named token of the caller (the token is in the answer, once). Only from a signed-in
        browser session: a request authenticated with a token is refused (403), so a leaked token
        cannot mint a longer-lived one."""
        if request.auth is not None:  # authenticated with a token (session sign-ins carry none)
            raise PermissionDenied(_("只能在登录网页后签发命名令牌，不能使用 API 令牌签发。"))
        body = serializers.ApiTokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, plain = services.apitoken_create(user=request.user, **body.validated_data)
        token.token = plain
        response = Response(serializers.ApiTokenIssuedSerializer(token).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    def perform_destroy(self, instance):
        services.apitoken_revoke(token=instance)
