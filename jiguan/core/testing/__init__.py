"""Test helpers shared by every app: an org tree, users with roles, clients. Used through the
fixtures in ``jiguan/conftest.py``; apps add their own builders in ``<app>/tests/``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.utils import timezone

from jiguan.core.context import acting_as

PASSWORD = settings.JIGUAN_DEMO_PASSWORD


@dataclass
class Tree:
    """Province → two cities (A, B) → a county and agencies each; departments under agencies."""

    province: object = None
    prov_agency: object = None
    city_a: object = None
    city_a_agency: object = None
    city_a_dept: object = None
    county_a: object = None
    county_a_agency: object = None
    city_b: object = None
    city_b_agency: object = None
    city_b_dept: object = None
    county_b: object = None
    units: dict = field(default_factory=dict)


def build_tree() -> Tree:
    from jiguan.org import services
    from jiguan.org.demo import credit_code
    from jiguan.org.models import OrgKind

    serial = iter(range(1, 1000))

    def unit(parent, name, kind, region=""):
        fields = {"kind": kind, "name": name, "region_code": region}
        if kind in (OrgKind.AGENCY, OrgKind.INSTITUTION):
            fields["credit_code"] = credit_code(kind, region or "350000", next(serial))
        return services.orgunit_create(parent=parent, **fields)

    with acting_as(None, channel="command"):
        t = Tree()
        t.province = unit(None, "测试省", OrgKind.PROVINCE, "350000")
        t.prov_agency = unit(t.province, "测试省机关事务管理局", OrgKind.AGENCY, "350000")
        t.city_a = unit(t.province, "甲市", OrgKind.CITY, "350100")
        t.city_a_agency = unit(t.city_a, "甲市机关事务管理局", OrgKind.AGENCY, "350100")
        t.city_a_dept = unit(t.city_a_agency, "甲市资产管理科", OrgKind.DEPARTMENT)
        t.county_a = unit(t.city_a, "甲县", OrgKind.COUNTY, "350121")
        t.county_a_agency = unit(t.county_a, "甲县财政局", OrgKind.AGENCY, "350121")
        t.city_b = unit(t.province, "乙市", OrgKind.CITY, "350200")
        t.city_b_agency = unit(t.city_b, "乙市机关事务管理局", OrgKind.AGENCY, "350200")
        t.city_b_dept = unit(t.city_b_agency, "乙市资产管理处", OrgKind.DEPARTMENT)
        t.county_b = unit(t.city_b, "乙县", OrgKind.COUNTY, "350212")
    t.units = {k: v for k, v in vars(t).items() if k != "units"}
    return t


def make_user(username: str, unit, roles=(), password: str = PASSWORD, **fields):
    """A user in ``unit`` holding ``roles``: [(role code, scope unit, include descendants), ...]."""
    from jiguan.org import services
    from jiguan.org.models import Role, User

    with acting_as(None, channel="command"):
        user = services.user_create(username=username, unit=unit, password=password, **fields)
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
        for code, scope_unit, subtree in roles:
            services.assignment_grant(user=user, role=Role.objects.get(code=code), unit=scope_unit,
                                      include_descendants=subtree)
    user.refresh_from_db()
    user.clear_permission_cache()
    return user


def run_at_once(*calls: Callable[[], object], timeout: float = 30.0) -> list:
    """Run each of ``calls`` in its own thread, released together by a barrier, as concurrent requests
    would (each thread has its own database connection, closed at its end). Returns, in the order of
    ``calls``, what each returned or the exception it raised: the test asserts the winners' results
    and the losers' errors (type and message). Fails the test when a thread is still running after
    ``timeout`` seconds (a deadlock, a lock wait that never ends). Needs ``transaction=True`` tests
    on PostgreSQL (``postgres_only``)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = call()
        except BaseException as exc:  # noqa: BLE001 - the test judges it
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call), name=f"at-once-{i}", daemon=True)
               for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    alive = [thread.name for thread in threads if thread.is_alive()]
    assert not alive, f"still running after {timeout:g} s (deadlock or endless lock wait): {alive}"
    return outcomes
