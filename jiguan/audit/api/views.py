from jiguan.core.api import ScopedReadOnlyViewSet

from ..filters import AuditEventFilter
from ..models import AuditEvent
from .serializers import AuditEventSerializer


class AuditEventViewSet(ScopedReadOnlyViewSet):
    """The audit log (read-only, for the audit administrator)."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    ordering_fields = ["id", "occurred_at"]
    ordering = ["-id"]
