"""Pickers that scale to a province (issue 19, 日常使用): a unit is found by typing pieces of its name
(福州教育) or its pinyin initials, shown with its path, and taken by a click or the keyboard; the
list filters by it. The header's unit switcher is such a picker too, and on a phone it sits in the
menu drawer. Nothing is chosen without the user taking it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from jiguan.core.context import acting_as
from jiguan.tests_browser.conftest import login, ready, shot
from jiguan.tests_browser.pickers import matches, pick, picker_box
from jiguan.tests_browser.test_assets import register, standards  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def fuzhou(standards, tree, users):  # noqa: F811
    """福州市 / 福州市教育局 / 办公室 and 福州市财政局, a computer each at the bureau and at finance."""
    from jiguan.org import services
    from jiguan.org.demo import credit_code
    from jiguan.org.models import OrgKind

    with acting_as(None, channel="command"):
        city = services.orgunit_create(parent=tree.province, kind=OrgKind.CITY, name="福州市", region_code="350100")
        bureau = services.orgunit_create(parent=city, kind=OrgKind.AGENCY, name="福州市教育局", region_code="350100",
                                         credit_code=credit_code(OrgKind.AGENCY, "350100", 901))
        services.orgunit_create(parent=bureau, kind=OrgKind.DEPARTMENT, name="办公室")
        finance = services.orgunit_create(parent=city, kind=OrgKind.AGENCY, name="福州市财政局", region_code="350100",
                                          credit_code=credit_code(OrgKind.AGENCY, "350100", 902))
    actor = users["prov_assets"]
    return {"city": city, "bureau": bureau, "finance": finance,
            "bureau_card": register(bureau, actor, spec_model="教育局 M1")[0],
            "finance_card": register(finance, actor, spec_model="财政局 M2")[0]}


def rows(page):
    return page.locator("#asset-table tbody tr")


def test_type_fuzhou_education_see_the_path_pick_it_and_the_list_filters(page, live_server, users, fuzhou):
    login(page, live_server, "prov_assets")
    page.goto(live_server.url + reverse("assets:asset_list"))
    expect(page.locator("h1")).to_have_text("资产卡片")
    expect(rows(page)).to_have_count(2)
    ready(page)

    box = picker_box(page, "id_owner")
    box.click()
    box.fill("福州教育")
    found = matches(page, "id_owner")
    expect(found).to_have_count(1)  # the bureau alone: 福州市 and 福州市财政局 lack 教育
    expect(found.first).to_contain_text("福州市教育局")
    expect(found.first).to_contain_text("福州市 / 福州市教育局")
    expect(found.filter(has_text="福州市财政局")).to_have_count(0)
    shot(page, "pickers-unit")
    found.first.click()
    expect(box).to_have_value("福州市教育局")
    expect(page.locator("#id_owner")).to_have_value(str(fuzhou["bureau"].pk))
    expect(page.locator("#id_owner_path")).to_have_text("福州市 / 福州市教育局")

    page.locator("#asset-filter button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"owner={fuzhou['bureau'].pk}"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(fuzhou["bureau_card"].code)
    # The page after the filter shows the unit by its name, not by a list of every unit.
    expect(picker_box(page, "id_owner")).to_have_value("福州市教育局")


def test_the_keyboard_picks_by_pinyin_initials_and_enter_never_submits_a_half_typed_box(page, live_server, users,
                                                                                          fuzhou):
    login(page, live_server, "prov_assets")
    page.goto(live_server.url + reverse("assets:asset_list"))
    expect(page.locator("h1")).to_have_text("资产卡片")
    ready(page)
    box = picker_box(page, "id_owner")
    box.click()
    box.fill("fzscz")
    expect(matches(page, "id_owner").first).to_contain_text("福州市 / 福州市财政局")
    box.press("Enter")  # marks the first match, takes nothing yet
    expect(page.locator("#id_owner")).to_have_value("")
    expect(matches(page, "id_owner").first).to_have_class(re.compile(r"\bactive\b"))
    box.press("Enter")
    expect(box).to_have_value("福州市财政局")
    expect(page.locator("#id_owner")).to_have_value(str(fuzhou["finance"].pk))
    assert "owner=" not in page.url  # nothing was submitted by those Enters
    box.press("Enter")  # now the form goes
    expect(page).to_have_url(re.compile(rf"owner={fuzhou['finance'].pk}"))
    expect(rows(page)).to_have_count(1)

    # No match: said so in Chinese; leaving the box puts the chosen unit back.
    ready(page)
    box = picker_box(page, "id_owner")
    box.click()
    box.fill("没有这个单位")
    expect(page.locator("#id_owner_list")).to_contain_text("无匹配单位")
    box.press("Escape")
    expect(box).to_have_value("福州市财政局")
    expect(page.locator("#id_owner")).to_have_value(str(fuzhou["finance"].pk))


def test_the_header_switcher_is_a_picker_and_sits_in_the_drawer_on_a_phone(new_page, live_server, users, tree):
    from jiguan.tests_browser.conftest import PHONE

    page = new_page()
    login(page, live_server, "prov_assets")
    page.goto(live_server.url + reverse("org:unit_list"))
    expect(page.locator("h1")).to_have_text("组织机构")
    expect(picker_box(page, "switch-unit")).to_have_attribute("placeholder", "全部（我的数据范围）")
    pick(page, "switch-unit", "甲", "甲市")
    # Taking a unit switches at once: every list narrows to its subtree.
    expect(page.locator("table")).not_to_contain_text("乙市")
    expect(picker_box(page, "switch-unit")).to_have_value("甲市")
    ready(page)
    box = picker_box(page, "switch-unit")
    box.click()
    box.fill("")
    box.press("ArrowDown")
    everything = matches(page, "switch-unit").first
    expect(everything).to_have_text("全部（我的数据范围）")
    everything.click()
    expect(page.locator("table")).to_contain_text("乙市")
    expect(picker_box(page, "switch-unit")).to_have_value("")

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    login(phone, live_server, "prov_assets")
    expect(picker_box(phone, "switch-unit")).not_to_be_visible()
    phone.get_by_role("button", name="菜单").tap()
    drawer_box = picker_box(phone, "switch-unit-drawer")
    expect(drawer_box).to_be_visible()
    pick(phone, "switch-unit-drawer", "yx", "乙县", tap=True)
    expect(picker_box(phone, "switch-unit-drawer")).to_have_value("乙县")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
