from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jiguan.core.serializers import ModelSerializer, Serializer
from jiguan.org.models import OrgKind, OrgUnit, User

from ..models import ApprovalAction, ApprovalRequest, Flow, FlowStep


class FlowStepSerializer(ModelSerializer):
    class Meta:
        model = FlowStep
        fields = ["id", "flow", "order", "name", "approver_role", "relation", "unit_kind", "unit_keyword",
                  "fixed_unit", "condition_field", "condition_operator", "condition_value", "skip_if_same_parent"]
        validators = []


class FlowSerializer(ModelSerializer):
    steps = FlowStepSerializer(many=True, read_only=True)

    class Meta:
        model = Flow
        fields = ["id", "business_type", "name", "unit", "is_active", "description", "steps"]
        validators = []


class ApprovalActionSerializer(ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default="")

    class Meta:
        model = ApprovalAction
        fields = ["id", "kind", "step", "step_name", "actor", "actor_name", "delegate_to", "comment", "at"]


class ApprovalRequestSerializer(ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    current_step_name = serializers.CharField(source="current_step.name", read_only=True, default="")
    actions = ApprovalActionSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = ["id", "business_type", "title", "object_id", "applicant", "applicant_unit", "business_unit",
                  "counterparty_unit", "values", "flow", "status", "status_display", "current_step",
                  "current_step_name", "approver_unit", "assignee", "version", "submitted_at", "decided_at",
                  "stuck_reason", "outcome_applied_at", "outcome_error", "actions"]
        read_only_fields = fields


class DecisionSerializer(Serializer):
    comment = serializers.CharField(label=_("审批意见"), required=False, allow_blank=True, max_length=500)
    version = serializers.IntegerField(label=_("申请版本"), required=False,
                                       help_text=_("读取申请时的 version；若申请已变化则返回 409。"))
    delegate_to = serializers.PrimaryKeyRelatedField(label=_("转办给"), required=False,
                                                     queryset=User.objects.filter(is_active=True))


class RoutePreviewSerializer(Serializer):
    business_type = serializers.ChoiceField(label=_("业务类型"), choices=())
    business_unit = serializers.PrimaryKeyRelatedField(
        label=_("业务单位"), queryset=OrgUnit.objects.all(), required=False, allow_null=True,
        help_text=_("申请所属的单位，如调拨的调出单位、处置单位、资产的产权单位（须有在该单位提交此类业务的权限）；"
                    "不声明业务单位的业务类型按申请人所在单位，可不填。"))
    counterparty_unit = serializers.PrimaryKeyRelatedField(
        label=_("对方单位"), queryset=OrgUnit.objects.filter(is_active=True).exclude(kind=OrgKind.DEPARTMENT),
        required=False, allow_null=True,
        help_text=_("仅用于涉及两个单位的业务（如调拨的调入单位，可为全省（区）任一在用的机关或事业单位）。"))
    amount = serializers.DecimalField(label=_("金额（元）"), max_digits=16, decimal_places=2, required=False,
                                      allow_null=True, help_text=_("流程条件比较的金额，如原值合计。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .. import registry

        self.fields["business_type"].choices = registry.choices()


class RouteStepSerializer(Serializer):
    order = serializers.IntegerField(source="step.order")
    name = serializers.CharField(source="step.name")
    role = serializers.CharField(source="step.approver_role.name")
    applies = serializers.BooleanField()
    skip_reason = serializers.CharField()
    unit = serializers.IntegerField(source="unit.pk", allow_null=True, default=None)
    unit_name = serializers.CharField(source="unit.name", allow_null=True, default=None)
    approvers = serializers.SerializerMethodField()
    problem = serializers.CharField()

    def get_approvers(self, row) -> list[dict]:
        return [{"id": u.pk, "name": u.display_name} for u in row.approvers]


class RoutePlanSerializer(Serializer):
    flow = serializers.IntegerField(source="flow.pk", allow_null=True, default=None)
    flow_name = serializers.CharField(source="flow.name", allow_null=True, default=None)
    ok = serializers.BooleanField()
    problem = serializers.CharField()
    steps = RouteStepSerializer(source="rows", many=True)
