from datetime import date
from decimal import Decimal

from django.test import TestCase

from jiguan.audit.models import Action, AuditEvent
from jiguan.core.context import acting_as
from jiguan.standards import services
from jiguan.standards.models import StandardTable
from jiguan.workflow import services as workflow
from jiguan.workflow.selectors import latest_request


def propose(user, key="computer", value="8", effective_from=date(2027, 1, 1), table="depreciation_life",
            submit=True, **fields):
    """A change request by ``user`` (submitted, i.e. with a pending approval request, unless
    ``submit=False``)."""
    with acting_as(user, channel="web"):
        return services.change_request_create(
            requested_by=user, table=StandardTable.objects.get(code=table), key=key,
            value=Decimal(value) if value is not None else None, effective_from=effective_from,
            reason="测试：按新文件调整", submit=submit, **fields)


def approval_of(change_request):
    return latest_request(change_request)


def decide(change_request, user, verb="approve", comment=""):
    """``user`` decides the change request's approval request through the workflow service; the
    outcome hook runs as it does in production, after the deciding transaction commits."""
    service = {"approve": workflow.request_approve, "reject": workflow.request_reject}[verb]
    with acting_as(user, channel="web"), TestCase.captureOnCommitCallbacks(execute=True):
        service(request=approval_of(change_request), actor=user, comment=comment)
    change_request.refresh_from_db()
    return change_request


def approve(change_request, user, comment=""):
    return decide(change_request, user, "approve", comment)


def state_events(change_request, status=None):
    events = AuditEvent.objects.filter(action=Action.STATE, object_type="standards.standardchangerequest",
                                       object_id=str(change_request.pk))
    if status:
        events = events.filter(after__status=status)
    return list(events)


def approval_events(approval):
    """Audit records of the approval request's approvals (“同意：…”)."""
    return list(AuditEvent.objects.filter(action=Action.STATE, object_type="workflow.approvalrequest",
                                          object_id=str(approval.pk), message__startswith="同意"))


def table_row_html(html: str, marker: str) -> str:
    """The <tr>…</tr> of a list page that contains ``marker``."""
    start = html.index(marker)
    return html[html.rindex("<tr", 0, start):html.index("</tr>", start)]
