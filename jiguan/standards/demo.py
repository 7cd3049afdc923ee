"""Demo data of the standards app. The standards themselves are shipped by migration 0002; the demo
adds a standards approver (标准审核人), the approval flow "数据标准变更审批" at the root unit (the
same ``services.default_flow_ensure`` an administrator runs on a new installation, see
docs/operations.md §4) and one submitted change request, waiting in the approver's 我的待办.
Idempotent."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone

from jiguan.org import services as org_services
from jiguan.org.models import OrgUnit, Role, RoleAssignment, User
from jiguan.workflow.models import ApprovalRequest

from . import services
from .models import StandardChangeRequest, StandardTable

APPROVER = ("std_approver", "周审核（数据标准）")


def load(out) -> None:
    province = OrgUnit.objects.filter(parent=None).first()
    if province is None:
        return
    agency = OrgUnit.objects.filter(parent=province, name__contains="机关事务").first() or province
    username, full_name = APPROVER
    approver = User.objects.filter(username=username).first()
    if approver is None:
        approver = org_services.user_create(username=username, full_name=full_name, unit=agency,
                                            password=settings.JIGUAN_DEMO_PASSWORD)
    User.objects.filter(pk=approver.pk).update(password_changed_at=timezone.now())
    role = Role.objects.get(code=services.APPROVER_ROLE)
    if not RoleAssignment.objects.filter(user=approver, role=role, unit=province).exists():
        org_services.assignment_grant(user=approver, role=role, unit=province, include_descendants=True)
    flow = services.default_flow_ensure(unit=province)

    requester = User.objects.filter(username="sysadmin").first()
    if requester is not None and not StandardChangeRequest.objects.exists():
        requester.clear_permission_cache()
        services.change_request_create(
            requested_by=requester, table=StandardTable.objects.get(code="office_equipment_config"),
            key="desktop", value=6000, effective_from=date(timezone.localdate().year + 1, 1, 1),
            reason="演示：按新的配置标准调整台式计算机单价上限", submit=True)
    waiting = ApprovalRequest.objects.todo_for(approver).filter(business_type="standards.change").count()
    out.write(f"  standards: {StandardTable.objects.count()} tables; flow “{flow.name}”; demo approver "
              f"{username} ({full_name}) with {waiting} change request(s) in 我的待办")
