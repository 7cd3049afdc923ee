"""Demo organisation: a province with two cities, each with a county, agencies and departments,
and users for every built-in role. Idempotent: units are found by name under their parent."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from . import services
from .models import OrgKind, OrgUnit, Role, RoleAssignment, User
from .validators import credit_code_check_char


def credit_code(kind: str, region: str, serial: int) -> str:
    """A valid GB 32100 code: registration authority 1 (机构编制), type 1 (机关) or 2 (事业单位)."""
    org_type = "1" if kind == OrgKind.AGENCY else "2"
    first17 = f"1{org_type}{region}{serial:08d}X"[:17]
    first17 = first17[:16] + "0"
    return first17 + credit_code_check_char(first17)


# (name, short name, kind, region code, children)
TREE = ("福建省", "福建", OrgKind.PROVINCE, "350000", [
    ("福建省机关事务管理局", "省机关事务局", OrgKind.AGENCY, "350000", [
        ("资产管理处", "", OrgKind.DEPARTMENT, "", []),
        ("公物仓管理中心", "", OrgKind.INSTITUTION, "350000", []),
    ]),
    ("福建省财政厅", "省财政厅", OrgKind.AGENCY, "350000", [
        ("资产管理处", "", OrgKind.DEPARTMENT, "", []),
    ]),
    ("福州市", "福州", OrgKind.CITY, "350100", [
        ("福州市机关事务管理局", "福州市机关事务局", OrgKind.AGENCY, "350100", [
            ("办公室", "", OrgKind.DEPARTMENT, "", []),
            ("资产管理科", "", OrgKind.DEPARTMENT, "", []),
        ]),
        ("福州市教育局", "", OrgKind.AGENCY, "350100", [("办公室", "", OrgKind.DEPARTMENT, "", [])]),
        ("福州市财政局", "", OrgKind.AGENCY, "350100", [("资产管理处", "", OrgKind.DEPARTMENT, "", [])]),
        ("闽侯县", "", OrgKind.COUNTY, "350121", [
            ("闽侯县机关事务服务中心", "", OrgKind.INSTITUTION, "350121", []),
            ("闽侯县财政局", "", OrgKind.AGENCY, "350121", []),
        ]),
    ]),
    ("厦门市", "厦门", OrgKind.CITY, "350200", [
        ("厦门市机关事务管理局", "厦门市机关事务局", OrgKind.AGENCY, "350200", [
            ("办公室", "", OrgKind.DEPARTMENT, "", []),
            ("资产管理处", "", OrgKind.DEPARTMENT, "", []),
        ]),
        ("厦门市卫生健康委员会", "", OrgKind.AGENCY, "350200", []),
        ("同安区", "", OrgKind.COUNTY, "350212", [
            ("同安区机关事务管理中心", "", OrgKind.INSTITUTION, "350212", []),
            ("同安区教育局", "", OrgKind.AGENCY, "350212", []),
        ]),
    ]),
])

# username, full name, unit (path of names), [(role code, unit path of names, include descendants)]
PROVINCE = ("福建省",)
FUZHOU = ("福建省", "福州市")
XIAMEN = ("福建省", "厦门市")
DEMO_USERS = [
    ("sysadmin", "系统管理员", ("福建省", "福建省机关事务管理局"), [("system_admin", PROVINCE, True)]),
    ("secadmin", "安全管理员", ("福建省", "福建省机关事务管理局"), [("security_admin", PROVINCE, True)]),
    ("auditor", "审计管理员", ("福建省", "福建省机关事务管理局"), [("audit_admin", PROVINCE, True)]),
    ("prov_assets", "林资产（省）", ("福建省", "福建省机关事务管理局", "资产管理处"),
     [("asset_manager", PROVINCE, True)]),
    ("fz_assets", "陈资产（福州）", ("福建省", "福州市", "福州市机关事务管理局", "资产管理科"),
     [("asset_manager", FUZHOU, True)]),
    ("xm_assets", "黄资产（厦门）", ("福建省", "厦门市", "厦门市机关事务管理局", "资产管理处"),
     [("asset_manager", XIAMEN, True)]),
    ("fzedu_assets", "郑资产（福州市教育局）", ("福建省", "福州市", "福州市教育局"),
     [("asset_manager", ("福建省", "福州市", "福州市教育局"), True)]),
    # A province leader reads the home page's figures of the whole province, city by city (首页看板).
    ("prov_head", "周主任（省级领导）", ("福建省", "福建省机关事务管理局"), [("leader", PROVINCE, True)]),
    ("staff", "王科员", ("福建省", "福州市", "福州市教育局", "办公室"),
     [("staff", ("福建省", "福州市", "福州市教育局", "办公室"), False)]),
    # Approvers for approval flows (审批流): unit head → city offices administration → finance.
    ("fzedu_leader", "刘局长（福州市教育局）", ("福建省", "福州市", "福州市教育局"),
     [("unit_leader", ("福建省", "福州市", "福州市教育局"), True)]),
    ("mhfin_leader", "林局长（闽侯县财政局）", ("福建省", "福州市", "闽侯县", "闽侯县财政局"),
     [("unit_leader", ("福建省", "福州市", "闽侯县", "闽侯县财政局"), True)]),
    ("fz_offices", "何审批（福州市机关事务局）", ("福建省", "福州市", "福州市机关事务管理局"),
     [("offices_approver", ("福建省", "福州市", "福州市机关事务管理局"), False)]),
    ("fz_finance", "吴审核（福州市财政局）", ("福建省", "福州市", "福州市财政局", "资产管理处"),
     [("finance_approver", ("福建省", "福州市", "福州市财政局"), False)]),
]

# Every unit a demo flow can route to has its approvers, so every flow the demo shows can finish
# (tested in jiguan/assets/tests/test_demo_flows.py): a leader (单位负责人) for each agency and
# institution that owns cards (a leader's grant covers the units below, e.g. 公物仓管理中心), the
# offices administration (机关事务) of each level and the finance departments (财政) the flows name.
FZ, MH = FUZHOU, (*FUZHOU, "闽侯县")
XM, TA = XIAMEN, (*XIAMEN, "同安区")
PROV_OA, PROV_FIN = (*PROVINCE, "福建省机关事务管理局"), (*PROVINCE, "福建省财政厅")
DEMO_USERS += [
    ("prov_leader", "郭局长（省机关事务局）", PROV_OA, [("unit_leader", PROV_OA, True)]),
    ("provfin_leader", "黄厅长（省财政厅）", PROV_FIN, [("unit_leader", PROV_FIN, True)]),
    ("fzoa_leader", "张局长（福州市机关事务局）", (*FZ, "福州市机关事务管理局"),
     [("unit_leader", (*FZ, "福州市机关事务管理局"), True)]),
    ("fzfin_leader", "陈局长（福州市财政局）", (*FZ, "福州市财政局"), [("unit_leader", (*FZ, "福州市财政局"), True)]),
    ("mhoa_leader", "李主任（闽侯县机关事务服务中心）", (*MH, "闽侯县机关事务服务中心"),
     [("unit_leader", (*MH, "闽侯县机关事务服务中心"), True)]),
    ("xmoa_leader", "吴局长（厦门市机关事务局）", (*XM, "厦门市机关事务管理局"),
     [("unit_leader", (*XM, "厦门市机关事务管理局"), True)]),
    ("xmhealth_leader", "许主任（厦门市卫生健康委员会）", (*XM, "厦门市卫生健康委员会"),
     [("unit_leader", (*XM, "厦门市卫生健康委员会"), True)]),
    ("taoa_leader", "蔡主任（同安区机关事务管理中心）", (*TA, "同安区机关事务管理中心"),
     [("unit_leader", (*TA, "同安区机关事务管理中心"), True)]),
    ("taedu_leader", "叶局长（同安区教育局）", (*TA, "同安区教育局"), [("unit_leader", (*TA, "同安区教育局"), True)]),
    ("mh_assets", "李资产（闽侯县）", (*MH, "闽侯县机关事务服务中心"), [("asset_manager", MH, True)]),
    ("prov_offices", "方审批（省机关事务局）", PROV_OA, [("offices_approver", PROV_OA, False),
                                                     ("announcer", ("福建省",), True)]),
    ("mh_offices", "谢审批（闽侯县机关事务服务中心）", (*MH, "闽侯县机关事务服务中心"),
     [("offices_approver", (*MH, "闽侯县机关事务服务中心"), False)]),
    ("xm_offices", "杨审批（厦门市机关事务局）", (*XM, "厦门市机关事务管理局"),
     [("offices_approver", (*XM, "厦门市机关事务管理局"), False)]),
    ("ta_offices", "苏审批（同安区机关事务管理中心）", (*TA, "同安区机关事务管理中心"),
     [("offices_approver", (*TA, "同安区机关事务管理中心"), False)]),
    ("prov_finance", "钱审核（省财政厅）", PROV_FIN, [("finance_approver", PROV_FIN, False)]),
    ("mh_finance", "潘审核（闽侯县财政局）", (*MH, "闽侯县财政局"), [("finance_approver", (*MH, "闽侯县财政局"), False)]),
    # Meeting rooms (会议室) of the Fuzhou administrative service centre, run by the city's offices
    # administration: its room administrator (who also approves the rooms that need approval) and
    # its service staff (tea, projector, banners, name cards).
    ("fz_rooms", "陈会务（福州市机关事务局）", (*FZ, "福州市机关事务管理局"),
     [("meeting_admin", (*FZ, "福州市机关事务管理局"), True),
      ("meeting_approver", (*FZ, "福州市机关事务管理局"), False)]),
    ("fz_service", "林服务（福州市机关事务局）", (*FZ, "福州市机关事务管理局"),
     [("meeting_service", (*FZ, "福州市机关事务管理局"), True)]),
]


def _ensure(name, short, kind, region, parent, serial):
    unit = OrgUnit.objects.filter(parent=parent, name=name).first()
    if unit:
        return unit
    fields = {"kind": kind, "name": name, "short_name": short, "region_code": region, "sort_order": serial}
    if kind in (OrgKind.AGENCY, OrgKind.INSTITUTION):
        fields["credit_code"] = credit_code(kind, region, serial)
    return services.orgunit_create(parent=parent, **fields)


def load(out) -> None:
    counter = iter(range(1, 10_000))

    def build(node, parent):
        name, short, kind, region, children = node
        unit = _ensure(name, short, kind, region, parent, next(counter))
        for child in children:
            build(child, unit)

    build(TREE, None)

    def find(names):
        unit = None
        for name in names:
            unit = OrgUnit.objects.get(parent=unit, name=name)
        return unit

    password = settings.JIGUAN_DEMO_PASSWORD
    for username, full_name, unit_names, roles in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(username=username, full_name=full_name, unit=find(unit_names),
                                        password=password)
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
        for role_code, scope_names, subtree in roles:
            role, scope_unit = Role.objects.get(code=role_code), find(scope_names)
            if not RoleAssignment.objects.filter(user=user, role=role, unit=scope_unit).exists():
                services.assignment_grant(user=user, role=role, unit=scope_unit, include_descendants=subtree)
    out.write(f"  {OrgUnit.objects.count()} units, {User.objects.count()} users")
