from django.core.management import call_command

from jiguan.org.models import User
from jiguan.standards.models import RequestStatus, StandardChangeRequest
from jiguan.workflow.models import ApprovalRequest, Flow


def test_the_demo_change_request_waits_in_the_standards_approvers_todo(db, client_for):
    for _ in range(2):  # idempotent
        call_command("load_demo", stdout=open("/dev/null", "w"))
    [flow] = Flow.objects.filter(business_type="standards.change")
    assert (flow.name, flow.unit.parent_id, flow.steps.get().approver_role.code) == (
        "数据标准变更审批", None, "standards_approver")
    cr = StandardChangeRequest.objects.get()
    approver = User.objects.get(username="std_approver")
    [approval] = ApprovalRequest.objects.todo_for(approver)
    assert (cr.status, approval.object_id, approval.applicant.username) == (RequestStatus.PENDING, str(cr.pk),
                                                                            "sysadmin")
    page = client_for(approver).get("/workflow/todo/").content.decode()
    assert "数据标准变更：通用办公设备家具配置标准 台式计算机 5000→6000 元" in page
