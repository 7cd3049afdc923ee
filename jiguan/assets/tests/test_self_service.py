"""Self-service of served staff (服务对象, issue 19): 我的资产, opening and scanning the cards issued to
me without any asset role, and 交回申请 to the unit's asset managers."""

from datetime import date

import pytest
from django.urls import reverse

from jiguan.assets import services
from jiguan.core import dashboard
from jiguan.core.context import acting_as
from jiguan.notifications.models import Notification


@pytest.fixture
def issued(tree, users, register):
    """Two cards of 甲市机关事务管理局: one issued to ``staff``, one to another person; and a card of 乙市."""
    mine = register(tree.city_a_agency, name="笔记本电脑", spec_model="ThinkPad X1", location="302 室")
    theirs = register(tree.city_a_agency, name="激光打印机")
    elsewhere = register(tree.city_b_agency, name="投影仪")
    with acting_as(users["a_assets"]):
        services.asset_issue(asset=mine, user=users["staff"], department=tree.city_a_dept, on=date(2024, 2, 1),
                             actor=users["a_assets"])
        services.asset_issue(asset=theirs, user=users["a_assets"], on=date(2024, 2, 1), actor=users["a_assets"])
    with acting_as(users["b_assets"]):
        services.asset_issue(asset=elsewhere, user=users["b_assets"], on=date(2024, 2, 1), actor=users["b_assets"])
    for card in (mine, theirs, elsewhere):
        card.refresh_from_db()
    return {"mine": mine, "theirs": theirs, "elsewhere": elsewhere}


def test_staff_has_no_asset_permission(users):
    """The premise: 普通工作人员 holds no asset permission, so what follows is self-service alone."""
    assert not users["staff"].has_perm("assets.view_asset")


def test_my_assets_lists_my_cards_only(users, issued, client_for):
    response = client_for(users["staff"]).get(reverse("assets:mine"))
    assert response.status_code == 200
    page = response.content.decode()
    assert issued["mine"].code in page and "笔记本电脑" in page and "ThinkPad X1" in page and "302 室" in page
    assert "甲市资产管理科" in page and "6,000.00" in page and "2024-01-15" in page
    assert issued["theirs"].code not in page and issued["elsewhere"].code not in page
    assert issued["mine"].get_absolute_url() in page
    assert "您名下暂无资产" not in page


def test_my_assets_of_an_asset_manager_are_the_cards_they_use_not_their_scope(users, issued, client_for):
    page = client_for(users["a_assets"]).get(reverse("assets:mine")).content.decode()
    assert issued["theirs"].code in page
    assert issued["mine"].code not in page


def test_my_assets_empty_state_says_whom_to_ask(tree, users, client_for):
    page = client_for(users["staff"]).get(reverse("assets:mine")).content.decode()
    assert "您名下暂无资产" in page and "请联系本单位资产管理员" in page
    # The asset managers over the staff member's unit are named; another city's are not.
    assert users["a_assets"].display_name in page
    assert users["b_assets"].display_name not in page


def test_my_assets_is_paginated(tree, users, register, client_for):
    cards = register(tree.city_a_agency, count=25)
    with acting_as(users["a_assets"]):
        for card in cards:
            services.asset_issue(asset=card, user=users["staff"], on=date(2024, 2, 1), actor=users["a_assets"])
    client = client_for(users["staff"])
    first = client.get(reverse("assets:mine")).content.decode()
    second = client.get(reverse("assets:mine"), {"page": 2}).content.decode()
    codes = sorted(c.code for c in cards)
    assert codes[0] in first and codes[-1] not in first
    assert codes[-1] in second and codes[0] not in second
    assert "共 25 条" in first


def test_the_home_tile_opens_my_assets(users, issued):
    tiles = {w["key"]: w for w in dashboard.for_user(users["staff"])}
    assert tiles["assets.mine"]["url"] == reverse("assets:mine")
    assert tiles["assets.mine"]["data"]["value"] == 1


def test_staff_open_their_own_card_read_only(users, issued, client_for):
    card = issued["mine"]
    response = client_for(users["staff"]).get(card.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert card.code in page and "6,000.00" in page
    for action in ("action-change", "action-issue", "action-return", "action-value", "action-repair",
                   "action-transfer", "action-dispose"):
        assert f'id="{action}"' not in page
    assert 'id="action-label"' in page and 'id="action-return-request"' in page
    assert reverse("assets:mine") in page  # the breadcrumb leads back to 我的资产, not to the card list
    # The label the page offers opens for them too.
    label = client_for(users["staff"]).get(reverse("assets:asset_label", args=[card.pk]))
    assert label.status_code == 200 and label["Content-Type"] == "application/pdf"


def test_staff_are_refused_other_peoples_cards(users, issued, client_for):
    client = client_for(users["staff"])
    for card in (issued["theirs"], issued["elsewhere"]):
        assert client.get(card.get_absolute_url()).status_code == 403
        assert client.get(reverse("assets:asset_label", args=[card.pk])).status_code == 403


def test_viewers_out_of_scope_still_get_not_found(users, issued, client_for):
    client = client_for(users["b_assets"])
    assert client.get(issued["mine"].get_absolute_url()).status_code == 404
    assert client.get(reverse("assets:asset_short", args=[issued["mine"].code])).status_code == 404
    # A viewer's own card outside their scope opens for them as its user.
    client = client_for(users["a_assets"])
    assert client.get(issued["theirs"].get_absolute_url()).status_code == 200


def test_scanning_my_own_label_opens_my_card(users, issued, client_for):
    card = issued["mine"]
    client = client_for(users["staff"])
    response = client.get(reverse("assets:asset_short", args=[card.code]), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == card.get_absolute_url()
    assert f'<span id="asset-code">{card.code}</span>' in response.content.decode()
    # The scan page opens, and a code typed in finds the card too.
    assert client.get(reverse("assets:scan")).status_code == 200
    typed = client.get(reverse("assets:scan"), {"code": card.code})
    assert typed.status_code == 302 and typed["Location"] == card.get_absolute_url()


def test_scanning_someone_elses_label_is_refused(users, issued, client_for):
    client = client_for(users["staff"])
    for card in (issued["theirs"], issued["elsewhere"]):
        response = client.get(reverse("assets:asset_short", args=[card.code]))
        assert response.status_code == 403
    page = client.get(reverse("assets:scan"), {"code": issued["theirs"].code}).content.decode()
    assert issued["theirs"].get_absolute_url() not in page


def test_return_request_tells_the_units_asset_managers(users, issued, client_for):
    card = issued["mine"]
    response = client_for(users["staff"]).post(reverse("assets:asset_return_request", args=[card.pk]), follow=True)
    assert response.status_code == 200
    assert "已通知资产管理员" in response.content.decode()
    told = set(Notification.objects.filter(url=card.get_absolute_url()).values_list("recipient__username", flat=True))
    assert told == {"a_assets", "prov_assets"}  # the managers over 甲市机关事务管理局, not 乙市's
    note = Notification.objects.filter(recipient=users["a_assets"]).get()
    assert card.code in note.title and users["staff"].display_name in note.body
    card.refresh_from_db()
    assert card.user_id == users["staff"].pk and card.status == "in_use"  # nothing changes until they 交回


def test_only_the_cards_user_may_request_its_return(users, issued, client_for):
    client = client_for(users["staff"])
    assert client.post(reverse("assets:asset_return_request", args=[issued["theirs"].pk])).status_code == 403
    # A manager who may see the card but does not use it is told no, and nobody is notified.
    response = client_for(users["a_assets"]).post(reverse("assets:asset_return_request", args=[issued["mine"].pk]),
                                                   follow=True)
    assert "只有资产的使用人可以申请交回" in response.content.decode()
    assert not Notification.objects.exists()
    page = client_for(users["a_assets"]).get(issued["mine"].get_absolute_url()).content.decode()
    assert 'id="action-return-request"' not in page


def test_staff_see_the_photos_of_their_own_card_only(users, issued, client_for, settings, tmp_path):
    from jiguan.assets.tests.test_attachments import page_upload, png_bytes, upload
    from jiguan.core.attachments import attachments_of

    settings.JIGUAN_PRIVATE_ROOT = tmp_path / "private"
    manager = client_for(users["a_assets"])
    for card in (issued["mine"], issued["theirs"]):
        page_upload(manager, card, upload("照片.png", png_bytes(), "image/png"))
    client = client_for(users["staff"])
    for card, status in ((issued["mine"], 200), (issued["theirs"], 403)):
        photo = attachments_of(card).get()
        response = client.get(reverse("assets:attachment_download", args=[card.pk, photo.pk]), {"inline": "1"})
        assert response.status_code == status
    page = client.get(issued["mine"].get_absolute_url()).content.decode()
    assert 'action="' + reverse("assets:attachment_upload", args=[issued["mine"].pk]) not in page  # no upload form


def test_staff_see_their_card_is_being_disposed_of_without_a_link_they_cannot_open(tree, users, issued, client_for,
                                                                                 asset_flows):
    card = issued["mine"]
    with acting_as(users["a_assets"]):
        disposal = services.disposal_create(unit=tree.city_a_agency, asset_ids=[card.pk], method="scrap",
                                            reason_code="obsolete", reason="超过使用年限", actor=users["a_assets"])
    page = client_for(users["staff"]).get(card.get_absolute_url()).content.decode()
    assert "该资产正在办理处置" in page and disposal.number in page
    assert disposal.get_absolute_url() not in page
    assert client_for(users["staff"]).get(disposal.get_absolute_url()).status_code in (403, 404)
    manager_page = client_for(users["a_assets"]).get(card.get_absolute_url()).content.decode()
    assert f'href="{disposal.get_absolute_url()}"' in manager_page
