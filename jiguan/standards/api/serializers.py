from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jiguan.core.serializers import ModelSerializer
from jiguan.workflow.selectors import latest_request, latest_requests

from ..models import Confidence, StandardChangeRequest, StandardEntry, StandardTable


class StandardTableSerializer(ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = StandardTable
        fields = ["code", "name", "description", "kind", "kind_display", "key_label", "value_label", "value_unit",
                  "value2_label", "value2_unit", "default_source", "hierarchical", "sort_order", "updated_at"]


class StandardEntrySerializer(ModelSerializer):
    table = serializers.SlugRelatedField(slug_field="code", read_only=True)
    confidence_display = serializers.CharField(source="get_confidence_display", read_only=True)
    approved_by_name = serializers.SerializerMethodField()

    class Meta:
        model = StandardEntry
        fields = ["id", "table", "key", "parent_key", "name", "value", "unit", "value2", "unit2", "attrs", "source",
                  "confidence", "confidence_display", "effective_from", "effective_to", "version", "approved_by",
                  "approved_by_name", "approved_at", "note"]

    def get_approved_by_name(self, entry) -> str | None:
        return entry.approved_by.display_name if entry.approved_by_id else None


class ChangeRequestListSerializer(serializers.ListSerializer):
    """Looks up the approval requests of a whole page in one query."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.child.context["approvals"] = latest_requests(StandardChangeRequest, [i.pk for i in items])
        return super().to_representation(items)


class StandardChangeRequestSerializer(ModelSerializer):
    """Reading a request, and creating one (``submit: true`` sends it for approval at once). Fields of
    the proposal left out are taken from the current version of the key. ``approval_request`` is the
    id of its approval request (``/api/v1/workflow/requests/{id}/``), where it is approved or rejected.
    """

    table = serializers.SlugRelatedField(slug_field="code", queryset=StandardTable.objects.all())
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    confidence = serializers.ChoiceField(choices=Confidence.choices, required=False)
    source = serializers.CharField(max_length=300, required=False)
    name = serializers.CharField(max_length=200, required=False)
    submit = serializers.BooleanField(write_only=True, required=False, default=False,
                                      help_text=_("为 true 时创建后立即提交审批。"))
    approval_request = serializers.SerializerMethodField(help_text=_("审批申请编号（提交后才有）"))
    approval_status = serializers.SerializerMethodField(help_text=_("审批申请状态（提交后才有）"))

    class Meta:
        model = StandardChangeRequest
        fields = ["id", "table", "key", "base_entry", "parent_key", "name", "value", "unit", "value2", "unit2",
                  "attrs", "source", "confidence", "note", "effective_from", "reason", "status", "status_display",
                  "requested_by", "requester_unit", "submitted_at", "decided_by", "decided_at", "decision_comment",
                  "resulting_entry", "created_at", "approval_request", "approval_status", "submit"]
        read_only_fields = ["base_entry", "status", "requested_by", "requester_unit", "submitted_at", "decided_by",
                            "decided_at", "decision_comment", "resulting_entry", "created_at"]
        extra_kwargs = {"key": {"required": True, "allow_blank": False},  # blank only on imported batches
                        "parent_key": {"required": False}, "unit": {"required": False},
                        "unit2": {"required": False}, "note": {"required": False}, "attrs": {"required": False},
                        "value": {"required": False}, "value2": {"required": False}}
        list_serializer_class = ChangeRequestListSerializer

    def _approval(self, change_request):
        approvals = self.context.get("approvals")
        if approvals is not None:
            return approvals.get(change_request.pk)
        return latest_request(change_request)

    def get_approval_request(self, change_request) -> int | None:
        approval = self._approval(change_request)
        return approval.pk if approval else None

    def get_approval_status(self, change_request) -> str | None:
        approval = self._approval(change_request)
        return approval.status if approval else None
