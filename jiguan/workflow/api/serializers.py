from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jiguan.org.models import User

from ..models import ApprovalAction, ApprovalRequest, Flow, FlowStep


class FlowStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = FlowStep
        fields = ["id", "flow", "order", "name", "approver_role", "relation", "unit_kind", "unit_keyword",
                  "fixed_unit", "condition_field", "condition_operator", "condition_value", "skip_if_same_parent"]
        validators = []


class FlowSerializer(serializers.ModelSerializer):
    steps = FlowStepSerializer(many=True, read_only=True)

    class Meta:
        model = Flow
        fields = ["id", "business_type", "name", "unit", "is_active", "description", "steps"]
        validators = []


class ApprovalActionSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default="")

    class Meta:
        model = ApprovalAction
        fields = ["id", "kind", "step", "step_name", "actor", "actor_name", "delegate_to", "comment", "at"]


class ApprovalRequestSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    current_step_name = serializers.CharField(source="current_step.name", read_only=True, default="")
    actions = ApprovalActionSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = ["id", "business_type", "title", "object_id", "applicant", "applicant_unit", "counterparty_unit",
                  "values", "flow", "status", "status_display", "current_step", "current_step_name",
                  "approver_unit", "assignee", "version", "submitted_at", "decided_at", "outcome_applied_at",
                  "outcome_error", "actions"]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(label=_("审批意见"), required=False, allow_blank=True, max_length=500)
    version = serializers.IntegerField(label=_("申请版本"), required=False,
                                       help_text=_("读取申请时的 version；若申请已变化则返回 409。"))
    delegate_to = serializers.PrimaryKeyRelatedField(label=_("转办给"), required=False,
                                                     queryset=User.objects.filter(is_active=True))
