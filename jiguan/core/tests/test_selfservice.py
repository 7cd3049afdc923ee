"""Self-service (我的服务, jiguan.core.selfservice): a user is offered only what they may start, on the
home page's panel and on 我的申请; a declaration that names a missing page or permission is refused."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from jiguan.core import selfservice

pytestmark = pytest.mark.django_db


@pytest.fixture
def only(monkeypatch):
    monkeypatch.setattr(selfservice, "_services", {})


def declare():
    selfservice.register(selfservice.Service(key="test.everyone", label="报修", url_name="notifications:list",
                                             hint="办公设备坏了", icon="tools", order=20))
    selfservice.register(selfservice.Service(key="test.managers", label="单位登记", url_name="org:unit_list",
                                             permission="org.add_orgunit", order=10))
    selfservice.register(selfservice.Service(key="test.named", label="只给张伟", url_name="org:unit_list",
                                             when=lambda user: user.username == "sysadmin", order=30))


def test_a_user_is_offered_only_what_they_may_start(only, users, tree):
    declare()
    assert [s["key"] for s in selfservice.for_user(users["staff"])] == ["test.everyone"]
    assert [s["key"] for s in selfservice.for_user(users["sysadmin"])] == ["test.managers", "test.everyone",
                                                                            "test.named"]
    first = selfservice.for_user(users["staff"])[0]
    assert first == {"key": "test.everyone", "label": "报修", "hint": "办公设备坏了", "icon": "tools",
                     "url": reverse("notifications:list")}


def test_the_home_panel_and_my_requests_list_them(only, users, client_for):
    declare()
    home = client_for(users["staff"]).get("/").content.decode()
    panel = home.split('id="home-services"')[1].split("</section>")[0]
    assert "报修" in panel and "办公设备坏了" in panel and "单位登记" not in panel
    mine = client_for(users["staff"]).get(reverse("workflow:mine")).content.decode()
    assert 'id="start-request"' in mine and 'id="start-testeveryone"' in mine and "单位登记" not in mine


def test_nothing_to_start_leaves_the_panel_out(only, users, client_for):
    html = client_for(users["staff"]).get("/").content.decode()
    assert 'id="home-services"' not in html
    assert 'id="start-request"' not in client_for(users["staff"]).get(reverse("workflow:mine")).content.decode()


def test_bad_declarations_are_refused(only, users):
    with pytest.raises(ImproperlyConfigured):
        selfservice.register(selfservice.Service(key="x.y", label="坏", url_name="org:unit_list", permission="nodot"))
    selfservice.register(selfservice.Service(key="x.z", label="无页", url_name="no:such"))
    with pytest.raises(ImproperlyConfigured, match="does not reverse"):
        selfservice.for_user(users["staff"])
    selfservice.register(selfservice.Service(key="x.z", label="无页", url_name="no:such"))  # the same again: fine
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        selfservice.register(selfservice.Service(key="x.z", label="另一个", url_name="no:such"))


def test_every_declared_service_reverses(users):
    for service in selfservice.registered():
        reverse(service.url_name)
        assert service.permission is None or service.permission.count(".") == 1
