from django.contrib.contenttypes.models import ContentType

from .models import ApprovalRequest


def todo_count(user) -> int:
    """The 我的待办 badge: one COUNT over the to-do index."""
    return ApprovalRequest.objects.todo_for(user).count()


def takes_part(user) -> bool:
    """Business users apply and approve; the three administrators (三员) do neither."""
    from jiguan.org.models import Duty

    return any(a.role.duty == Duty.BUSINESS for a in user.role_assignments())  # loaded once per request


def may_approve(user) -> bool:
    """Whether one of the user's roles approves a step of an active flow (one query)."""
    from .models import FlowStep

    roles = {a.role_id for a in user.role_assignments()}
    return bool(roles) and FlowStep.objects.filter(approver_role_id__in=roles, flow__is_active=True).exists()


def has_applied(user) -> bool:
    """The 我的申请 menu entry: business users, and anyone who has applied (e.g. the system
    administrator who proposes a change to the data standards)."""
    return takes_part(user) or ApprovalRequest.objects.filter(applicant=user).exists()


def latest_request(obj) -> ApprovalRequest | None:
    """The most recent approval request of a business object (None before it is submitted), for the
    object's own page: its status, current step, timeline and a link to it."""
    if obj is None or obj.pk is None:
        return None
    return (ApprovalRequest.objects.filter(content_type=ContentType.objects.get_for_model(obj),
                                           object_id=str(obj.pk))
            .select_related("current_step", "approver_unit", "flow").order_by("-id").first())


def latest_requests(model, pks) -> dict:
    """``{pk: latest approval request}`` for many objects of one model in one query (lists, API)."""
    wanted = {str(pk): pk for pk in pks}
    found = {}
    if not wanted:
        return found
    rows = (ApprovalRequest.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                           object_id__in=list(wanted)).order_by("id"))
    for request in rows:
        found[wanted[request.object_id]] = request  # ordered by id: the latest wins
    return found
