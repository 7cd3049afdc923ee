from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jiguan.core.serializers import ModelSerializer, Serializer

from ..models import ApiToken, ApiTokenStatus, OrgUnit, Role, RoleAssignment, User


class OrgUnitSerializer(ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "kind", "kind_display", "name", "short_name", "region_code", "credit_code",
                  "credit_code_override", "credit_code_override_reason", "parent", "path", "depth",
                  "sort_order", "is_active", "created_at", "updated_at"]
        read_only_fields = ["path", "depth", "created_at", "updated_at"]
        # Model.clean() validates through the service; no DRF-level unique validators to duplicate it.
        validators = []


class OrgUnitMoveSerializer(Serializer):
    parent = serializers.PrimaryKeyRelatedField(label=_("新的上级单位"), queryset=OrgUnit.objects.all())


class UserSerializer(ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "unit", "unit_name", "phone", "email", "is_active",
                  "is_locked", "last_login", "password", "date_joined"]
        read_only_fields = ["is_locked", "last_login", "date_joined"]


class RoleSerializer(ModelSerializer):
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = Role
        fields = ["id", "code", "name", "description", "duty", "is_builtin", "is_active", "permissions"]
        read_only_fields = ["is_builtin"]

    def get_permissions(self, role) -> list[str]:
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all())


class RoleAssignmentSerializer(ModelSerializer):
    class Meta:
        model = RoleAssignment
        fields = ["id", "user", "role", "unit", "include_descendants", "granted_by", "created_at"]
        read_only_fields = ["granted_by", "created_at"]
        validators = []


class TokenRequestSerializer(Serializer):
    username = serializers.CharField(label=_("用户名"))
    password = serializers.CharField(label=_("密码"), style={"input_type": "password"})


class TokenResponseSerializer(Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    id = serializers.IntegerField(help_text=_("令牌编号，撤销时使用（DELETE /api/v1/auth/tokens/{id}/）"))
    user = UserSerializer()


class ApiTokenSerializer(ModelSerializer):
    status = serializers.ChoiceField(choices=ApiTokenStatus.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "is_named", "hint", "created_at", "expires_at", "last_used_at", "revoked_at",
                  "status", "status_display"]
        read_only_fields = fields


class ApiTokenCreateSerializer(Serializer):
    name = serializers.CharField(label=_("名称"), max_length=60, help_text=_("用途，如对接的系统名称"))
    days = serializers.IntegerField(label=_("有效期（天）"), min_value=1, max_value=ApiToken.NAMED_MAX_DAYS,
                                    default=ApiToken.NAMED_DEFAULT_DAYS)


class ApiTokenIssuedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text=_("令牌本身，只在签发时返回这一次"))

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields
