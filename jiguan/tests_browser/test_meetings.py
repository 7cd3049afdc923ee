"""Meeting rooms (会议室) on a phone (390×844), as a member of staff books one: find a free room for
12 people on Tuesday 14:00–16:00 with a projector, book it with tea, see it on the week calendar,
check in; the compound's service staff see the tea task and complete it. The screenshots are the
user guide's (docs/guide/meetings.md)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jiguan.core.testing import make_user
from jiguan.tests_browser.conftest import login, ready, shot

pytestmark = pytest.mark.browser

WIDE = {"width": 1440, "height": 900}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def next_tuesday() -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() != 1:
        day += datetime.timedelta(days=1)
    return day


@pytest.fixture
def compound(tree):
    from jiguan.core.context import acting_as
    from jiguan.meetings.models import Compound, Room

    admin = make_user("b_rooms", tree.city_a_agency, [("meeting_admin", tree.city_a_agency, True)])
    with acting_as(admin):
        c = Compound.objects.create(unit=tree.city_a_agency, name="甲市行政服务中心")
        c.resident_units.set([tree.city_a])
        made = {}
        for name, capacity, equipment in (("第一会议室", 20, ",projector,audio,"), ("小会议室", 14, ",projector,"),
                                          ("洽谈室", 6, ",screen,")):
            made[name] = Room.objects.create(unit=tree.city_a_agency, compound=c, name=name, capacity=capacity,
                                             equipment=equipment, layouts=",boardroom,u_shape,", floor="3",
                                             number=f"30{len(made) + 1}")
            made[name].allowed_units.set([tree.city_a])
    return made


def test_staff_book_a_room_with_tea_on_the_phone_and_the_service_staff_complete_it(
        new_page, phone_page, live_server, tree, compound):
    from jiguan.meetings.models import ServiceRequest
    from jiguan.reservations.models import Occurrence

    make_user("a_booker", tree.city_a_dept, [("staff", tree.city_a_dept, False)], full_name="赵科员")
    make_user("a_tea", tree.city_a_agency, [("meeting_service", tree.city_a_agency, True)], full_name="钱会务")
    tuesday = next_tuesday()
    page = phone_page
    login(page, live_server, "a_booker")

    # 预订会议室 from 我的服务 on the home page.
    page.locator("#home-services").get_by_text("预订会议室").tap()
    expect(page.locator("h1")).to_have_text("预订会议室")
    ready(page)
    page.fill("#id_date", tuesday.isoformat())
    page.fill("#id_start_time", "14:00")
    page.fill("#id_end_time", "16:00")
    page.fill("#id_size", "12")
    page.locator("#find-form").get_by_label("投影仪").check()
    page.locator("#find-submit").tap()
    rooms = page.locator("#free-rooms .free-room")
    expect(rooms).to_have_count(2)                      # 洽谈室 is too small and has no projector
    expect(rooms.first).to_contain_text("小会议室")       # the smallest that fits first
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "meetings-find")

    page.locator(f"#book-{compound['小会议室'].pk}").tap()
    expect(page.locator("h1")).to_have_text("预订 小会议室")
    ready(page)
    expect(page.locator("#id_date")).to_have_value(tuesday.isoformat())
    expect(page.locator("#id_start_time")).to_have_value("14:00")
    page.fill("#id_subject", "季度安全生产工作会")
    page.locator("#booking-form").get_by_label("茶水").check()
    page.fill("#id_service_note", "12 杯绿茶")
    expect(page.locator("#recurrence-more")).to_be_hidden()   # a series' fields only when it repeats
    shot(page, "meetings-book")
    page.locator("#submit").tap()
    expect(page.locator("h1")).to_have_text("季度安全生产工作会")
    expect(page.locator("#booking-state")).to_have_text("已确认")
    expect(page.locator("#occurrences .service-badge")).to_contain_text("茶水：待接单")
    shot(page, "meetings-booking")

    # The week calendar of the compound shows it on Tuesday.
    page.goto(f"{live_server.url}/meetings/calendar/?date={tuesday.isoformat()}")
    row = page.locator(f"#cal-room-{compound['小会议室'].pk}")
    expect(row).to_contain_text("14:00–16:00 季度安全生产工作会")
    expect(page.locator(f"#cal-room-{compound['洽谈室'].pk}")).to_contain_text("本周空闲")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    shot(page, "meetings-calendar-week")

    # On the day, at the start: check in from 我的预订 (the meeting is moved to now to be on).
    occurrence = Occurrence.objects.get(resource=compound["小会议室"])
    now = timezone.now().replace(second=0, microsecond=0)
    Occurrence.objects.filter(pk=occurrence.pk).update(start=now - datetime.timedelta(minutes=5), block_start=now
                                                       - datetime.timedelta(minutes=5),
                                                       end=now + datetime.timedelta(minutes=115),
                                                       block_end=now + datetime.timedelta(minutes=115))
    page.goto(f"{live_server.url}/meetings/mine/")
    ready(page)
    page.locator(f"#check-in-{occurrence.pk}").tap()
    expect(page.locator(f"#occurrence-{occurrence.pk}")).to_contain_text("已签到")
    shot(page, "meetings-mine")

    # The door's screen shows the meeting on and the check-in code (a desktop-sized screen).
    door = new_page(viewport=WIDE)
    login(door, live_server, "b_rooms")
    door.goto(f"{live_server.url}/meetings/rooms/{compound['小会议室'].pk}/door/")
    expect(door.locator("#door-status")).to_contain_text("使用中")
    expect(door.locator("#door-qr svg")).to_be_visible()
    shot(door, "meetings-door")

    # The service staff see the tea task and complete it; the booker sees it done.
    staff = new_page(viewport=WIDE)
    login(staff, live_server, "a_tea")
    staff.goto(f"{live_server.url}/meetings/services/")
    task = ServiceRequest.objects.get(occurrence=occurrence)
    card = staff.locator(f"#service-{task.pk}")
    expect(card).to_contain_text("茶水")
    expect(card).to_contain_text("12 杯绿茶")
    shot(staff, "meetings-services")
    staff.locator(f"#complete-{task.pk}").click()
    expect(staff.locator("#services-empty")).to_be_visible()   # nothing left to do
    page.goto(f"{live_server.url}/meetings/bookings/{occurrence.reservation_id}/")
    expect(page.locator("#occurrences .service-badge")).to_contain_text("茶水：已完成")
