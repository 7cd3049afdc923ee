"""The asset documents on the document kernel (jiguan.workflow.documents): their numbers, the
printable 审批表 (PDF), the card picker with busy cards, and the counters' migration."""

import importlib
import re
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from jiguan.assets import services
from jiguan.assets.models import AssetCodeSequence, DocStatus, Transfer
from jiguan.assets.views import TransferCreateView
from jiguan.core.context import acting_as
from jiguan.workflow import documents
from jiguan.workflow.models import DocumentSequence

from .conftest import decide

pytestmark = pytest.mark.django_db

SCRAP = {"method": "scrap", "reason_code": "obsolete", "reason": "主板损坏，无维修价值"}
YEAR = timezone.localdate().year


def transfer_of(tree, cards, user, reason="工作调整"):
    with acting_as(user):
        return services.transfer_create(from_unit=tree.city_a_agency, to_unit=tree.city_b_agency,
                                        asset_ids=[c.pk for c in cards], reason=reason, actor=user)


def pdf_text(content: bytes) -> str:
    """The text of every page, without the line breaks a table cell wraps at."""
    document = pdfium.PdfDocument(content)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return re.sub(r"\s+", "", text)


# Numbers ----------------------------------------------------------------------------------------


def test_documents_are_numbered_per_type_and_a_refused_one_leaves_no_gap(tree, users, register, asset_flows):
    manager = users["a_assets"]
    first, second, third = register(tree.city_a_agency, count=3, actor=manager)
    assert transfer_of(tree, [first], manager).number == f"DB-{YEAR}-000001"
    # Refused after its number was drawn (the approval route cannot finish: no flow for the disposal
    # type any more): the whole creation rolls back, the number with it.
    asset_flows["assets.disposal"].is_active = False
    asset_flows["assets.disposal"].save(update_fields=["is_active"])
    with acting_as(manager), pytest.raises(ValidationError, match="尚未配置"):
        services.disposal_create(unit=tree.city_a_agency, asset_ids=[second.pk], actor=manager, **SCRAP)
    asset_flows["assets.disposal"].is_active = True
    asset_flows["assets.disposal"].save(update_fields=["is_active"])
    with acting_as(manager):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[second.pk], actor=manager, **SCRAP)
    assert disposal.number == f"CZ-{YEAR}-000001"                 # its own count, no gap
    assert transfer_of(tree, [third], manager).number == f"DB-{YEAR}-000002"
    assert dict(DocumentSequence.objects.filter(year=YEAR).values_list("prefix", "last_value")) == {"DB": 2, "CZ": 1}
    assert not AssetCodeSequence.objects.filter(prefix__startswith="#").exists()


def test_the_migration_moves_the_document_counters_and_leaves_the_asset_codes(tree, users, register, asset_flows):
    card = register(tree.city_a_agency, actor=users["a_assets"])
    code_counters = dict(AssetCodeSequence.objects.values_list("prefix", "last_value"))
    AssetCodeSequence.objects.create(prefix="#DB-2026-", last_value=41)
    AssetCodeSequence.objects.create(prefix="#TZ-2025-", last_value=7)
    migration = importlib.import_module("jiguan.assets.migrations.0017_document_numbers")
    migration.copy_counters(django_apps, None)
    assert dict(AssetCodeSequence.objects.values_list("prefix", "last_value")) == code_counters
    assert sorted(DocumentSequence.objects.values_list("prefix", "year", "last_value")) == [
        ("DB", 2026, 41), ("TZ", 2025, 7)]
    with acting_as(users["a_assets"]):
        assert documents.next_number("DB", year=2026) == "DB-2026-000042"   # numbering goes on
    migration.copy_back(django_apps, None)
    assert AssetCodeSequence.objects.get(prefix="#DB-2026-").last_value == 42
    assert not DocumentSequence.objects.exists()
    assert dict(AssetCodeSequence.objects.exclude(prefix__startswith="#").values_list("prefix", "last_value")) == \
        code_counters and card.code.startswith(next(iter(code_counters)))


# The 审批表 -------------------------------------------------------------------------------------


def test_the_transfer_form_prints_number_applicant_cards_and_route(tree, users, register, leaders, asset_flows,
                                                                 client_for, django_capture_on_commit_callbacks):
    manager = users["a_assets"]
    desk, chair = register(tree.city_a_agency, count=2, actor=manager, name="办公桌", class_code="A05010000")
    transfer = transfer_of(tree, [desk, chair], manager, reason="调剂给乙市使用")
    client = client_for(manager)
    page = client.get(transfer.get_absolute_url()).content.decode()
    url = reverse("assets:transfer_pdf", args=[transfer.pk])
    assert f'href="{url}"' in page and "打印审批表" in page

    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "inline" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "资产调拨审批表" in text and transfer.number in text
    assert manager.display_name in text and "甲市机关事务管理局" in text and "乙市机关事务管理局" in text
    assert "调剂给乙市使用" in text and "12,000.00" in text
    assert desk.code in text and chair.code in text and "办公桌" in text
    # The route: the submission, then the step still to decide with its unit.
    assert "提交申请" in text and "单位负责人审批" in text and "待审批" in text

    decide(transfer, leaders["leader"], django_capture_on_commit_callbacks, comment="同意调剂")
    text = pdf_text(client.get(url).content)
    assert "已完成" in text and leaders["leader"].display_name in text and "同意调剂" in text
    assert "待审批" not in text


@pytest.mark.parametrize("kind", ["disposal", "value_change", "configuration"])
def test_every_asset_document_prints_its_form(kind, tree, users, register, asset_flows, client_for):
    manager = users["a_assets"]
    card = register(tree.city_a_agency, actor=manager)
    with acting_as(manager):
        if kind == "disposal":
            document = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], actor=manager, **SCRAP)
            expected = [card.code, "报废", "主板损坏，无维修价值"]
        elif kind == "value_change":
            document = services.value_change_create(asset=card, delta=Decimal("1200.00"), on=timezone.localdate(),
                                                    reason="加装内存", actor=manager)
            expected = [card.code, "+1,200.00", "7,200.00", "加装内存"]
        else:
            document = services.configuration_create(
                unit=tree.city_a_agency, item_name="台式计算机", class_code="A02010105", quantity=2,
                unit_price=Decimal("4000"), reason="新进人员办公", actor=manager)
            expected = ["台式计算机", "8,000.00", "新进人员办公", "A02010105"]
    url = reverse(f"assets:{kind}_pdf", args=[document.pk])
    assert f'href="{url}"' in client_for(manager).get(document.get_absolute_url()).content.decode()
    text = pdf_text(client_for(manager).get(url).content)
    assert document.number in text and manager.display_name in text and "审批中" in text
    assert all(value in text for value in expected), (expected, text)
    assert "提交申请" in text and "单位负责人审批" in text
    # Out of the viewer's scope the form is not found, like the document.
    assert client_for(users["b_assets"]).get(url).status_code == 404


def test_the_form_of_a_document_not_submitted_says_so(tree, users, register):
    from jiguan.workflow.documents.pdf import approval_form_pdf

    card = register(tree.city_a_agency, actor=users["a_assets"])
    transfer = Transfer.objects.create(number="DB-2026-000999", from_unit=tree.city_a_agency,
                                       to_unit=tree.city_b_agency, reason="测试", requested_by=users["a_assets"],
                                       status=DocStatus.DRAFT)
    transfer.items.create(asset=card, original_value=card.original_value, open=False)
    text = pdf_text(approval_form_pdf(transfer))
    assert "DB-2026-000999" in text and "尚未提交审批" in text and card.code in text and "草稿" in text


# The card picker ------------------------------------------------------------------------------


def candidates_page(client, unit, query, **extra):
    return client.get(reverse("assets:transfer_create"), {"candidates": "1", "from_unit": unit.pk, "q": query,
                                                          **extra}, HTTP_HX_REQUEST="true").content.decode()


def test_the_picker_leaves_out_a_card_another_open_document_holds(tree, users, register, asset_flows, client_for):
    manager = users["a_assets"]
    free, in_value_change, in_transfer = register(tree.city_a_agency, count=3, actor=manager)
    with acting_as(manager):
        change = services.value_change_create(asset=in_value_change, delta=Decimal("100"), on=timezone.localdate(),
                                              reason="加装", actor=manager)
    transfer = transfer_of(tree, [in_transfer], manager)
    partial = candidates_page(client_for(manager), tree.city_a_agency, "tsjsj")    # 台式计算机
    assert free.code in partial
    assert in_value_change.code not in partial and in_transfer.code not in partial
    assert change.number and transfer.number


def test_a_picker_may_show_busy_cards_marked_and_not_selectable(tree, users, register, asset_flows):
    manager = users["a_assets"]
    free, held = register(tree.city_a_agency, count=2, actor=manager)
    transfer = transfer_of(tree, [held], manager)

    class MarkingPicker(TransferCreateView):
        busy = "mark"

    request = RequestFactory().get("/", {"from_unit": tree.city_a_agency.pk, "q": "tsjsj"})
    request.user = manager
    view = MarkingPicker()
    view.setup(request)
    found = {card.pk: card for card in view.candidates(request.GET)}
    assert set(found) == {free.pk, held.pk}
    assert found[held.pk].busy and found[held.pk].busy_with == transfer.number
    assert not found[free.pk].busy and found[free.pk].busy_with is None
    html = render_to_string("workflow/_line_candidates.html",
                            {"candidates": list(found.values()), "lines_field": "assets", "query": "tsjsj"})
    assert f'value="{held.pk}" id="line-{held.pk}" disabled' in html
    assert f"已在进行中的单据 {transfer.number} 中" in html
    assert f'value="{free.pk}" id="line-{free.pk}">' in html
