"""领用申请 (issue 19, staff self-service): staff see the idle cards of their own agency first, ask for
one with its use, and the asset managers are told with a link to its 领用 page; what is not idle, or
not theirs, is refused; when nothing is idle the page says whom to ask. 我的服务 offers it to everyone
and 配置申请 only to those who may file one."""

from decimal import Decimal

import pytest
from django.urls import reverse

from jiguan.core.testing import make_user
from jiguan.notifications.models import Notification

pytestmark = pytest.mark.django_db

PAGE = "/assets/requisition/"


@pytest.fixture
def pool(tree, register):
    return {
        "idle": register(tree.city_a_agency, name="办公椅", class_code="A05010000", status="idle", location="负一楼库房",
                         original_value=Decimal("800")),
        "idle_desk": register(tree.city_a_agency, name="办公桌", class_code="A05010000", status="idle"),
        "in_use": register(tree.city_a_agency, name="台式计算机", status="in_use"),
        "other_city": register(tree.city_b_agency, name="办公椅", class_code="A05010000", status="idle"),
    }


@pytest.fixture
def clerk(tree):
    """A member of staff of 甲市资产管理科 (a department of 甲市机关事务管理局) with no asset role."""
    return make_user("clerk", tree.city_a_dept, [], full_name="孙丽")


def test_staff_see_their_agencys_idle_cards_and_ask_for_one(pool, clerk, users, client_for):
    client = client_for(clerk)
    html = client.get(PAGE).content.decode()
    for key in ("idle", "idle_desk"):
        assert f'id="idle-{pool[key].pk}"' in html
    assert f'id="idle-{pool["in_use"].pk}"' not in html and f'id="idle-{pool["other_city"].pk}"' not in html
    assert "甲市机关事务管理局的闲置资产" in html
    found = client.get(PAGE, {"q": "bgy"}).content.decode()                 # pinyin initials of 办公椅
    assert f'id="idle-{pool["idle"].pk}"' in found and f'id="idle-{pool["idle_desk"].pk}"' not in found

    response = client.post(reverse("assets:requisition_request", args=[pool["idle"].pk]), {"reason": "新入职使用"},
                           follow=True)
    assert "已提交领用申请" in response.content.decode()
    told = Notification.objects.get(recipient=users["a_assets"], title=f"领用申请：{pool['idle'].code} 办公椅")
    assert "孙丽（甲市资产管理科）" in told.body and "新入职使用" in told.body and "负一楼库房" in told.body
    assert told.url == reverse("assets:asset_issue", args=[pool["idle"].pk])
    pool["idle"].refresh_from_db()
    assert pool["idle"].status == "idle"                                    # nothing changes until 领用


def test_what_is_not_in_the_pool_or_has_no_use_is_refused(pool, clerk, users, client_for):
    client = client_for(clerk)
    for key in ("in_use", "other_city"):
        page = client.post(reverse("assets:requisition_request", args=[pool[key].pk]), {"reason": "用"},
                           follow=True).content.decode()
        assert "该资产已不是本单位的闲置资产" in page
    page = client.post(reverse("assets:requisition_request", args=[pool["idle"].pk]), {"reason": "  "},
                       follow=True).content.decode()
    assert "请填写领用用途" in page
    assert not Notification.objects.filter(title__startswith="领用申请").exists()


def test_an_empty_pool_says_whom_to_ask(tree, clerk, users, client_for):
    html = client_for(clerk).get(PAGE).content.decode()
    assert "本单位暂无闲置资产。" in html and users["a_assets"].display_name in html
    assert 'id="requisition-configure"' not in html


def test_my_services_offer_requisition_to_all_and_configuration_to_those_who_may(clerk, users, client_for):
    staff_home = client_for(clerk).get("/").content.decode()
    panel = staff_home.split('id="home-services"')[1].split("</section>")[0]
    assert "领用申请" in panel and "配置申请" not in panel
    manager_home = client_for(users["a_assets"]).get("/").content.decode()
    panel = manager_home.split('id="home-services"')[1].split("</section>")[0]
    assert "领用申请" in panel and "配置申请" in panel
