"""通知公告 (issue 19): a publisher of a unit writes to everyone in it and below; the notice is on
their home page and in the 通知公告 list, pinned first; other cities do not see it; withdrawn, it
leaves their pages; only a publisher over the unit may publish or withdraw."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiguan.audit.models import AuditEvent
from jiguan.core.context import acting_as
from jiguan.core.testing import make_user
from jiguan.notifications import services
from jiguan.notifications.models import Announcement

pytestmark = pytest.mark.django_db

LIST = "/notifications/announcements/"


@pytest.fixture
def publisher(tree):
    return make_user("a_announcer", tree.city_a_agency, [("announcer", tree.city_a, True)], full_name="郑洁")


def publish(publisher, unit, title="关于做好年度资产清查的通知", pinned=False):
    with acting_as(publisher):
        return services.announcement_publish(unit=unit, title=title, body="请各单位于12月20日前完成清查。",
                                             pinned=pinned, actor=publisher)


def test_a_notice_reaches_the_unit_and_below_and_no_other_city(tree, users, publisher, client_for):
    notice = publish(publisher, tree.city_a)
    pinned = publish(publisher, tree.city_a, title="节假日值班安排", pinned=True)
    assert AuditEvent.objects.filter(object_type="notifications.announcement", object_id=str(notice.pk)).exists()
    staff_home = client_for(users["staff"]).get("/").content.decode()     # 甲市资产管理科: below 甲市
    panel = staff_home.split('id="home-announcements"')[1].split("</section>")[0]
    assert panel.index("节假日值班安排") < panel.index("关于做好年度资产清查的通知")   # pinned first
    county = make_user("county_clerk", tree.county_a_agency, [])
    assert "关于做好年度资产清查的通知" in client_for(county).get(LIST).content.decode()
    other_city = client_for(users["b_assets"])
    assert 'id="home-announcements"' not in other_city.get("/").content.decode()
    assert "关于做好年度资产清查的通知" not in other_city.get(LIST).content.decode()
    assert other_city.get(notice.get_absolute_url()).status_code == 404
    page = client_for(users["staff"]).get(pinned.get_absolute_url()).content.decode()
    assert "请各单位于12月20日前完成清查。" in page and 'id="announcement-withdraw"' not in page


def test_the_publisher_publishes_on_the_page_and_withdraws(tree, users, publisher, client_for):
    client = client_for(publisher)
    page = client.get(reverse("notifications:announcement_create")).content.decode()
    assert "发布公告" in page and 'id="id_unit"' in page
    response = client.post(reverse("notifications:announcement_create"),
                           {"unit": tree.city_a.pk, "title": "停电通知", "body": "周六 9:00–12:00 停电。"})
    notice = Announcement.objects.get(title="停电通知")
    assert response.status_code == 302 and response["Location"] == notice.get_absolute_url()
    assert (notice.unit, notice.author) == (tree.city_a, publisher)
    page = client.get(notice.get_absolute_url()).content.decode()
    assert 'id="announcement-withdraw"' in page
    client.post(reverse("notifications:announcement_withdraw", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.is_withdrawn
    assert "停电通知" not in client_for(users["staff"]).get(LIST).content.decode()
    assert "停电通知" in client.get(LIST).content.decode()                 # the publisher keeps the record
    assert "已撤回" in client.get(notice.get_absolute_url()).content.decode()


def test_only_a_publisher_over_the_unit_publishes(tree, users, publisher, client_for):
    with pytest.raises(PermissionDenied):
        publish(publisher, tree.city_b)
    with pytest.raises(PermissionDenied):
        publish(users["staff"], tree.city_a)
    assert client_for(users["staff"]).get(reverse("notifications:announcement_create")).status_code == 403
    with pytest.raises(ValidationError) as exc, acting_as(publisher):
        services.announcement_publish(unit=tree.city_a, title=" ", body="", actor=publisher)
    assert set(exc.value.error_dict) == {"title", "body"}
    response = client_for(publisher).post(reverse("notifications:announcement_create"),
                                          {"unit": tree.city_b.pk, "title": "越权", "body": "正文"})
    assert response.status_code == 200 and not Announcement.objects.filter(title="越权").exists()
