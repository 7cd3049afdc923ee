"""The key handover (钥匙移交单): an approvable document over keys, built from the document kernel.
Numbering, locks on its keys, approval and its outcome on the keys, the keys' timelines, the line
picker, the detail page, the 审批表 PDF, the API, and its policies (page and API ask the same one)."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiguan.audit.models import Action, AuditEvent
from jiguan.core import history, locks
from jiguan.kernel_example.models import Key, KeyHandover
from jiguan.workflow.documents import DocStatus
from jiguan.workflow.selectors import latest_request

from .conftest import decide, file_handover, new_key

LIST = "/kernel-example/handovers/"
API = "/api/v1/kernel-example/handovers/"


@pytest.fixture
def a_keys(tree, keepers, keys):
    second = new_key(keepers["a"], tree.city_a_agency, "A-002", room="档案室", holder="赵六", status="issued")
    return [keys["a"], second]


def test_filing_numbers_holds_submits_and_writes_the_timelines(a_keys, tree, keepers, handover_flow):
    first = AuditEvent.objects.order_by("-id").first().id
    handover = file_handover(keepers["a"], tree.city_a_agency, [k.pk for k in a_keys])
    assert handover.number.startswith("YS-") and handover.number.endswith("-000001")
    assert (handover.status, handover.key_count, handover.requested_by) == (DocStatus.PENDING, 2, keepers["a"])
    assert [(i.key.code, i.from_holder) for i in handover.items.order_by("key__code")] == [
        ("A-001", "张三"), ("A-002", "赵六")]
    assert latest_request(handover).status == "pending"
    assert [e.action for e in AuditEvent.objects.filter(id__gt=first, object_type="kernel_example.keyhandover")] \
        == [Action.CREATE]
    entry = list(history.entries(a_keys[0]))[-1]
    assert (entry.kind, entry.summary, entry.document) == ("handover", "申请移交给王五", handover.number)
    # Held: a second handover of the same key is refused, naming the first.
    with pytest.raises(ValidationError) as refused:
        file_handover(keepers["a"], tree.city_a_agency, [a_keys[0].pk], to_holder="钱七")
    assert handover.number in str(refused.value.message_dict["keys"])
    second = file_handover(keepers["a"], tree.city_a_agency, [new_key(keepers["a"], tree.city_a_agency, "A-003").pk])
    assert second.number.endswith("-000002")  # gap-free: the refused one took no number


def test_approval_passes_the_keys_to_the_new_holder_and_releases_them(
        a_keys, tree, keepers, leaders, handover_flow, django_capture_on_commit_callbacks):
    handover = file_handover(keepers["a"], tree.city_a_agency, [k.pk for k in a_keys])
    decide(handover, leaders["a"], django_capture_on_commit_callbacks)
    handover.refresh_from_db()
    assert handover.status == DocStatus.COMPLETED and handover.completed_on is not None
    assert {(k.holder, k.status) for k in Key.objects.filter(pk__in=[k.pk for k in a_keys])} == {("王五", "issued")}
    updates = AuditEvent.objects.filter(object_type="kernel_example.key", action=Action.UPDATE,
                                        object_id=str(a_keys[0].pk))
    assert [(e.before["holder"], e.after["holder"], e.actor) for e in updates] == [("张三", "王五", leaders["a"])]
    entry = list(history.entries(a_keys[0]))[-1]
    assert (entry.kind, entry.summary, entry.document, entry.actor) == ("handover", "移交给王五", handover.number,
                                                                       leaders["a"])
    locks.check(a_keys)  # released: no exception
    assert file_handover(keepers["a"], tree.city_a_agency, [a_keys[0].pk], to_holder="钱七").status == DocStatus.PENDING


def test_rejection_changes_no_key_and_releases_them(a_keys, tree, keepers, leaders, handover_flow,
                                                    django_capture_on_commit_callbacks):
    handover = file_handover(keepers["a"], tree.city_a_agency, [a_keys[0].pk])
    decide(handover, leaders["a"], django_capture_on_commit_callbacks, approve=False)
    handover.refresh_from_db()
    assert handover.status == DocStatus.REJECTED
    assert Key.objects.get(pk=a_keys[0].pk).holder == "张三"
    assert list(history.entries(a_keys[0]))[-1].summary == "移交未办理：已驳回"
    locks.check([a_keys[0]])


def test_keys_of_another_unit_lost_keys_and_blank_fields_are_refused(keys, tree, keepers, handover_flow):
    lost = new_key(keepers["a"], tree.city_a_agency, "A-009", status="lost")
    with pytest.raises(ValidationError) as refused:
        file_handover(keepers["a"], tree.city_a_agency, [lost.pk])
    assert refused.value.message_dict["keys"] == ["钥匙 A-009 已遗失，不能移交。"]
    with pytest.raises(ValidationError) as refused:
        file_handover(keepers["a"], tree.city_a_agency, [keys["a"].pk], to_holder="张三")
    assert refused.value.message_dict["keys"] == ["钥匙 A-001 的保管人已是 张三。"]
    with pytest.raises(ValidationError) as refused:
        file_handover(keepers["a"], tree.city_a_agency, [keys["a"].pk], to_holder=" ", reason="")
    assert set(refused.value.message_dict) == {"to_holder", "reason"}
    county_key = new_key(keepers["a"], tree.county_a_agency, "C-001")
    with pytest.raises(ValidationError) as refused:
        file_handover(keepers["a"], tree.city_a_agency, [county_key.pk])
    assert refused.value.message_dict["keys"] == ["所选钥匙中有不属于所选单位的钥匙。"]
    assert not KeyHandover.objects.exists()


def test_the_policy_refuses_a_unit_outside_the_keepers_scope(keys, tree, keepers, handover_flow):
    with pytest.raises(PermissionDenied, match="您没有为该单位办理钥匙移交的权限。"):
        file_handover(keepers["a"], tree.city_b_agency, [keys["b"].pk])
    assert not KeyHandover.objects.exists()


# Pages ---------------------------------------------------------------------------------------------


def test_the_create_page_picks_keys_and_submits(a_keys, tree, keepers, handover_flow, client_for):
    client = client_for(keepers["a"])
    other = file_handover(keepers["a"], tree.city_a_agency, [a_keys[1].pk], to_holder="钱七")
    page = client.get(f"{LIST}new/", {"keys": a_keys[0].pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="line-{a_keys[0].pk}" checked' in html  # preselected
    assert 'id="route-panel"' in html or "审批流程" in html  # the route preview before 提交审批
    found = client.get(f"{LIST}new/", {"candidates": 1, "unit": tree.city_a_agency.pk, "q": "A-00"},
                       HTTP_HX_REQUEST="true").content.decode()
    assert "A-001" in found and "A-002" in found
    assert other.number in found  # the busy key is marked with the open handover holding it
    response = client.post(f"{LIST}new/", {"unit": tree.city_a_agency.pk, "to_holder": "王五",
                                           "reason": "工作调整", "keys": [a_keys[0].pk]})
    handover = KeyHandover.objects.exclude(pk=other.pk).get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{handover.pk}/"
    response = client.post(f"{LIST}new/", {"unit": tree.city_a_agency.pk, "to_holder": "孙八", "reason": "再移交",
                                           "keys": [a_keys[0].pk]})
    assert response.status_code == 200 and handover.number in response.content.decode()  # held
    assert KeyHandover.objects.count() == 2


def test_the_detail_page_shows_fields_lines_approval_and_the_print_link(a_keys, tree, keepers, leaders,
                                                                         handover_flow, client_for):
    handover = file_handover(keepers["a"], tree.city_a_agency, [k.pk for k in a_keys])
    html = client_for(keepers["a"]).get(f"{LIST}{handover.pk}/").content.decode()
    assert handover.number in html and "审批中" in html
    assert "王五" in html and "工作调整" in html and "A-001" in html and "A-002" in html
    assert f'href="{LIST}{handover.pk}/form.pdf"' in html
    leader_page = client_for(leaders["a"]).get(f"{LIST}{handover.pk}/")
    assert leader_page.status_code == 200 and leader_page.context["can_decide"]


def test_the_approval_form_pdf(a_keys, tree, keepers, handover_flow, client_for):
    handover = file_handover(keepers["a"], tree.city_a_agency, [k.pk for k in a_keys])
    response = client_for(keepers["a"]).get(f"{LIST}{handover.pk}/form.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client_for(keepers["b"]).get(f"{LIST}{handover.pk}/form.pdf").status_code == 404


def test_the_list_and_pages_are_scoped(a_keys, tree, keepers, handover_flow, client_for):
    handover = file_handover(keepers["a"], tree.city_a_agency, [a_keys[0].pk])
    assert handover.number in client_for(keepers["a"]).get(LIST).content.decode()
    b_client = client_for(keepers["b"])
    assert handover.number not in b_client.get(LIST).content.decode()
    assert b_client.get(f"{LIST}{handover.pk}/").status_code == 404
    assert client_for(keepers["none"]).get(LIST).status_code == 403
    assert client_for(keepers["a"]).get(f"{LIST}{handover.pk}/edit/").status_code == 404  # documents are not edited


# API -------------------------------------------------------------------------------------------------


def test_the_api_files_a_handover_and_reads_it(a_keys, tree, keepers, handover_flow, api_client_for):
    client = api_client_for(keepers["a"])
    response = client.post(API, {"unit": tree.city_a_agency.pk, "keys": [a_keys[0].pk], "to_holder": "王五",
                                 "reason": "工作调整"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("YS-") and body["status"] == "pending"
    assert [(i["code"], i["from_holder"]) for i in body["items"]] == [("A-001", "张三")]
    assert client.get(f"{API}{body['id']}/").json()["to_holder"] == "王五"
    assert api_client_for(keepers["b"]).get(f"{API}{body['id']}/").status_code == 404
    response = client.post(API, {"unit": tree.city_a_agency.pk, "keys": [a_keys[0].pk], "to_holder": "钱七",
                                 "reason": "再移交"})
    assert response.status_code == 409 or (response.status_code == 400 and "keys" in response.json()["error"]["fields"])
    assert client.patch(f"{API}{body['id']}/", {"to_holder": "钱七"}).status_code == 405


def test_the_api_refuses_a_unit_outside_the_scope(keys, tree, keepers, handover_flow, api_client_for):
    response = api_client_for(keepers["a"]).post(API, {"unit": tree.city_b_agency.pk, "keys": [keys["b"].pk],
                                                       "to_holder": "王五", "reason": "工作调整"})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您没有为该单位办理钥匙移交的权限。"
    assert not KeyHandover.objects.exists()


# Policies: the page and the API ask the same function ---------------------------------------------------


def refuse(*args):
    raise PermissionDenied("测试：策略拒绝")


def test_patching_the_create_policy_refuses_page_and_api(a_keys, tree, keepers, handover_flow, client_for,
                                                         api_client_for):
    data = {"unit": tree.city_a_agency.pk, "to_holder": "王五", "reason": "工作调整", "keys": [a_keys[0].pk]}
    with mock.patch("jiguan.kernel_example.policies.handover_create", refuse):
        page = client_for(keepers["a"]).post(f"{LIST}new/", data)
        api = api_client_for(keepers["a"]).post(API, data)
    assert page.status_code == 200 and "测试：策略拒绝" in page.content.decode()
    assert api.status_code == 403 and api.json()["error"]["message"] == "测试：策略拒绝"
    assert not KeyHandover.objects.exists()


def test_patching_the_view_policy_refuses_page_pdf_and_api(a_keys, tree, keepers, handover_flow, client_for,
                                                           api_client_for):
    handover = file_handover(keepers["a"], tree.city_a_agency, [a_keys[0].pk])
    with mock.patch("jiguan.kernel_example.policies.handover_view", refuse):
        client = client_for(keepers["a"])
        assert client.get(f"{LIST}{handover.pk}/").status_code == 403
        assert client.get(f"{LIST}{handover.pk}/form.pdf").status_code == 403
        assert api_client_for(keepers["a"]).get(f"{API}{handover.pk}/").status_code == 403
