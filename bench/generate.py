"""Generate a realistic province for the benchmarks, reproducibly (fixed seed), set-based.

    python bench/generate.py --db postgresql --scale 100k     # creates jiguan_bench_100k
    python bench/generate.py --db sqlite --scale 10k          # var/bench/jiguan_bench_10k.sqlite3

What it builds (on a freshly created and migrated database):

- an org tree of 1 province (湖南省-like, 14 cities, 110 counties) with agencies, institutions and
  internal departments: about 10,000 units, materialized paths "/1/7/…/", valid region and credit codes;
- about 8,000 staff users (custodians), asset managers at province, city, county and agency level;
- N asset cards with a realistic class mix (GB/T 14885 codes of the standards table), values,
  acquisition dates, statuses, custodians, a correct depreciation schedule (the rule and minimum
  life looked up once per class and standards version through ``services.depreciation_rule`` /
  ``minimum_life_months``, the schedule by ``depreciation.schedule``) and pinyin initials
  (``services.initials`` once per distinct name), with one 验收登记 event per card;
- an audit log of ``--audit-rows`` records hash-chained with the real algorithm
  (``jiguan.audit.chain.digest`` over the same values ``services.event_values`` hashes), the chain
  head kept consistent, plus one real ``audit.record`` for the generation itself.

Cards, events and audit rows are loaded with COPY on PostgreSQL and executemany in large
transactions on SQLite; never the ORM per row. Units, users and roles (thousands) go through
``bulk_create``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------

PROVINCE = ("湖南省", "430000")
CITIES = [("长沙市", "4301"), ("株洲市", "4302"), ("湘潭市", "4303"), ("衡阳市", "4304"), ("邵阳市", "4305"),
          ("岳阳市", "4306"), ("常德市", "4307"), ("张家界市", "4308"), ("益阳市", "4309"), ("郴州市", "4310"),
          ("永州市", "4311"), ("怀化市", "4312"), ("娄底市", "4313"), ("湘西土家族苗族自治州", "4331")]
COUNTY_SYLLABLES = "安宁平江阳山兴华武临湘岳桂东西南北新永清长丰溪源乐城嘉祁汝宜沅辰麻靖会通"
AGENCIES = ["机关事务管理局", "财政局", "教育局", "公安局", "民政局", "司法局", "人力资源和社会保障局", "自然资源局",
            "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局",
            "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
            "林业局", "体育局", "信访局", "发展和改革委员会", "科学技术局", "工业和信息化局", "国有资产监督管理委员会",
            "税务局", "粮食和物资储备局", "人民防空办公室", "地方金融监督管理局", "城市管理局", "行政审批服务局",
            "政务服务中心", "档案局", "机要局", "外事办公室", "民族宗教事务委员会"]
INSTITUTIONS = ["疾病预防控制中心", "档案馆", "图书馆", "博物馆", "第一中学", "第二中学", "实验小学", "职业技术学校",
                "人民医院", "中医医院", "妇幼保健院", "公共资源交易中心", "不动产登记中心", "社会福利院", "水文站",
                "气象台", "广播电视台", "公物仓管理中心", "机关幼儿园", "信息中心"]
DEPARTMENTS = ["办公室", "财务科", "资产管理科", "人事科", "综合科", "法规科", "信息中心", "后勤服务中心"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华慧建国志红文斌宇浩凯鹏飞婷雪琳"

# name, class code, measure unit, value range (yuan), quantity range, weight, category override
CATALOGUE = [
    ("台式计算机", "A02010105", "台", (3800, 6500), (1, 1), 22, ""),
    ("一体机电脑", "A02010105", "台", (4200, 7800), (1, 1), 5, ""),
    ("便携式计算机", "A02010108", "台", (5200, 9800), (1, 1), 11, ""),
    ("激光打印机", "A02020000", "台", (1500, 3200), (1, 1), 7, ""),
    ("多功能一体机", "A02020000", "台", (2600, 8800), (1, 1), 3, ""),
    ("复印机", "A02020000", "台", (18000, 34000), (1, 1), 2, ""),
    ("投影仪", "A02020000", "台", (3500, 12000), (1, 1), 2, ""),
    ("碎纸机", "A02020000", "台", (800, 2600), (1, 1), 1, ""),
    ("公务轿车", "A02030000", "辆", (150000, 180000), (1, 1), 1, ""),
    ("执法执勤车", "A02030000", "辆", (180000, 260000), (1, 1), 1, ""),
    ("办公桌", "A05010000", "张", (1200, 4200), (1, 1), 14, ""),
    ("办公椅", "A05010000", "把", (400, 1600), (1, 1), 10, ""),
    ("文件柜", "A05010000", "组", (900, 2400), (1, 1), 8, ""),
    ("会议桌", "A05010000", "张", (5000, 18000), (1, 1), 2, ""),
    ("会议椅", "A05010000", "把", (6000, 12000), (20, 60), 2, ""),
    ("沙发", "A05010000", "套", (3000, 9000), (1, 1), 2, ""),
    ("办公用房", "A01000000", "栋", (3_000_000, 40_000_000), (1, 1), 0.4, "building_steel"),
    ("业务用房", "A01000000", "栋", (1_500_000, 12_000_000), (1, 1), 0.3, "building_brick"),
    ("车库", "A01000000", "座", (200_000, 900_000), (1, 1), 0.2, "building_simple"),
    ("书画作品", "A03000000", "幅", (2000, 80000), (1, 1), 0.3, ""),
    ("陈列展品", "A03000000", "件", (1000, 30000), (1, 1), 0.2, ""),
]
BRANDS = {"A02010105": ["联想", "华为", "清华同方", "长城", "浪潮"], "A02010108": ["联想", "华为", "惠普", "戴尔"],
          "A02020000": ["惠普", "佳能", "奔图", "理光", "爱普生"], "A02030000": ["红旗", "比亚迪", "大众", "吉利"],
          "A05010000": ["", "", "圣奥", "震旦"]}
# status, weight
STATUSES = [("in_use", 80), ("idle", 8), ("repair", 2), ("lent", 1), ("warehouse", 3), ("pending_disposal", 1),
            ("disposed", 5)]
ACQUISITION = [("purchase", 88), ("reallocation", 6), ("donation", 2), ("construction", 2), ("lease", 2)]
FUNDING = [("fiscal", 80), ("business", 8), ("non_peer_fiscal", 4), ("operating", 3), ("other", 5)]
ADOPTION = date(2019, 1, 1)  # 新政府会计制度: cards acquired before the 2017 table were registered then


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def log(message: str) -> None:
    print(f"[generate {time.strftime('%H:%M:%S')}] {message}", flush=True)


def weighted(pairs):
    """(values, cumulative weights) for ``random.choices``."""
    values, cum, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


def create_database(db: str, scale: str) -> None:
    """Drop and create the bench database (only names jiguan_bench_*)."""
    url = common.database_url(db, scale)
    if db == "postgresql":
        import psycopg

        name = url.rsplit("/", 1)[1]
        assert name.startswith("jiguan_bench_"), name
        with psycopg.connect(f"{common.PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def meta_get(connection) -> dict:
    with connection.cursor() as cursor:
        try:
            cursor.execute("SELECT key, value FROM bench_meta")
        except Exception:
            return {}
        return dict(cursor.fetchall())


def meta_set(connection, values: dict) -> None:
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key varchar(40) PRIMARY KEY, value text)")
        for key, value in values.items():
            cursor.execute("DELETE FROM bench_meta WHERE key = %s", [key])
            cursor.execute("INSERT INTO bench_meta (key, value) VALUES (%s, %s)", [key, json.dumps(value)])


class Loader:
    """Set-based insertion of tuples: COPY (PostgreSQL, text format) or executemany (SQLite)."""

    def __init__(self, connection):
        self.connection = connection
        self.pg = connection.vendor == "postgresql"

    def value(self, v):
        if v is None:
            return r"\N" if self.pg else None
        if isinstance(v, bool):
            return ("t" if v else "f") if self.pg else int(v)
        if isinstance(v, datetime):
            return v.isoformat() if self.pg else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(v, (date, Decimal)):
            return str(v) if self.pg else str(v)
        if isinstance(v, (dict, list)):
            text = json.dumps(v, ensure_ascii=False)
            return text.replace("\\", "\\\\") if self.pg else text
        if self.pg:
            return str(v) if not isinstance(v, str) else v.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
        return v

    def load(self, table: str, columns: list[str], rows, batch: int = 50_000) -> int:
        from django.db import transaction

        quoted = ", ".join(f'"{c}"' for c in columns)
        n = 0
        self.connection.ensure_connection()
        if self.pg:
            raw = self.connection.connection
            with transaction.atomic(), raw.cursor() as cursor:
                with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    buffer = io.StringIO()
                    for row in rows:
                        buffer.write("\t".join([self.value(v) for v in row]))
                        buffer.write("\n")
                        n += 1
                        if n % batch == 0:
                            copy.write(buffer.getvalue())
                            buffer = io.StringIO()
                    copy.write(buffer.getvalue())
            return n
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(columns))})'
        chunk = []
        raw = self.connection.connection
        for row in rows:
            chunk.append([self.value(v) for v in row])
            if len(chunk) >= batch:
                with transaction.atomic():
                    raw.executemany(sql, chunk)
                n += len(chunk)
                chunk = []
        if chunk:
            with transaction.atomic():
                raw.executemany(sql, chunk)
            n += len(chunk)
        return n


# ---------------------------------------------------------------------------------------------
# Org tree and users
# ---------------------------------------------------------------------------------------------

def build_org(rng: random.Random):
    """Rows of the org tree (explicit ids, so paths are known without a round trip)."""
    from jiguan.org.demo import credit_code
    from jiguan.org.models import OrgKind, OrgUnit

    start = (OrgUnit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    if start != 1:
        raise SystemExit("the bench database must be empty: run with --force")
    units: list[OrgUnit] = []
    next_id = iter(range(start, start + 100_000))

    def add(parent, name, kind, region="", short=""):
        pk = next(next_id)
        path = f"{parent.path if parent else '/'}{pk}/"
        fields = {"credit_code": credit_code(kind, region or "430000", pk)} if kind in (
            OrgKind.AGENCY, OrgKind.INSTITUTION) else {}
        unit = OrgUnit(pk=pk, parent=parent, name=name, short_name=short, kind=kind, region_code=region,
                       path=path, depth=(parent.depth + 1) if parent else 0, sort_order=len(units), **fields)
        units.append(unit)
        return unit

    def bodies(parent, prefix, region, n_agencies, n_institutions, n_depts):
        owners = []
        for name in AGENCIES[:n_agencies]:
            owners.append(add(parent, prefix + name, OrgKind.AGENCY, region))
        for name in INSTITUTIONS[:n_institutions]:
            owners.append(add(parent, prefix + name, OrgKind.INSTITUTION, region))
        for owner in owners:
            for dept in DEPARTMENTS[:n_depts]:
                add(owner, dept, OrgKind.DEPARTMENT)
        return owners

    province = add(None, PROVINCE[0], OrgKind.PROVINCE, PROVINCE[1], "湖南")
    levels = {"province": province, "cities": [], "counties": []}
    bodies(province, "湖南省", PROVINCE[1], 40, 20, 6)
    # 110 counties spread over the 14 cities (7 or 8 each)
    per_city = [8] * 12 + [7] * 2
    used_names = set()
    for (city_name, code4), n_counties in zip(CITIES, per_city, strict=True):
        city = add(province, city_name, OrgKind.CITY, code4 + "00")
        levels["cities"].append(city)
        bodies(city, city_name, code4 + "00", 34, 16, 5)
        for i in range(n_counties):
            while True:
                cname = rng.choice(COUNTY_SYLLABLES) + rng.choice(COUNTY_SYLLABLES) + ("县" if i else "区")
                if cname not in used_names:
                    used_names.add(cname)
                    break
            county = add(city, cname, OrgKind.COUNTY, f"{code4}{21 + i:02d}")
            levels["counties"].append(county)
            bodies(county, cname, f"{code4}{21 + i:02d}", 9, 3, 3)
    return units, levels


def full_name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")


# ---------------------------------------------------------------------------------------------
# The generation
# ---------------------------------------------------------------------------------------------

def generate(db: str, scale: str, seed: int = common.SEED, audit_rows: int | None = None) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from jiguan.assets import depreciation, services
    from jiguan.assets.models import Asset, AssetCodeSequence, AssetEvent, period_of
    from jiguan.audit import keys
    from jiguan.audit import services as audit
    from jiguan.audit.chain import digest
    from jiguan.audit.models import GENESIS_HASH, Action, AuditEvent, ChainHead
    from jiguan.core.context import acting_as
    from jiguan.org.models import OrgKind, OrgUnit, Role, RoleAssignment, User

    n_cards = common.SCALES[scale]
    audit_rows = n_cards // 10 if audit_rows is None else audit_rows
    rng = random.Random(seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(name):
        nonlocal t0
        timings[name] = round(time.perf_counter() - t0, 2)
        log(f"{name}: {timings[name]} s")
        t0 = time.perf_counter()

    call_command("migrate", verbosity=0, interactive=False)
    lap("migrate")
    loader = Loader(connection)
    now = timezone.now()
    today = timezone.localdate()

    # -- org tree -------------------------------------------------------------------------------
    units, levels = build_org(rng)
    with transaction.atomic():
        OrgUnit.objects.bulk_create(units, batch_size=2000)
    owners = [u for u in units if u.kind in (OrgKind.AGENCY, OrgKind.INSTITUTION)]
    departments: dict[int, list[int]] = {}
    for u in units:
        if u.kind == OrgKind.DEPARTMENT:
            departments.setdefault(u.parent_id, []).append(u.pk)
    region_of = {u.pk: u.region_code for u in owners}
    lap(f"org: {len(units)} units ({len(owners)} agencies and institutions)")

    # -- users --------------------------------------------------------------------------------
    password = make_password(os.environ.get("BENCH_PASSWORD", "Bench-Passw0rd!"))
    users: list[User] = []
    staff: dict[int, list[int]] = {}
    uid = iter(range(1, 10_000_000))

    def user(username, unit, name):
        u = User(pk=next(uid), username=username, unit=unit, full_name=name, password=password,
                 password_changed_at=now, is_active=True)
        users.append(u)
        return u

    for owner in owners:
        depts = departments.get(owner.pk, [])
        for i in range(4):
            unit_id = depts[i % len(depts)] if depts else owner.pk
            u = user(f"u{owner.pk}_{i}", None, full_name(rng))
            u.unit_id = unit_id
            staff.setdefault(owner.pk, []).append(u.pk)
    by_id = {u.pk: u for u in units}

    def manager_unit(scope):
        """The scope's 机关事务管理局 (first agency child), its 资产管理科 when it has one."""
        agency = next(u for u in units if u.parent_id == scope.pk and u.kind == OrgKind.AGENCY)
        depts = departments.get(agency.pk, [])
        return by_id[depts[2]] if len(depts) > 2 else agency

    managers = {"province": [], "city": [], "county": [], "agency": []}
    managers["province"].append(user("bench_prov", manager_unit(levels["province"]), "省资产管理员"))
    scopes = [(levels["province"], managers["province"][0])]
    for i, city in enumerate(levels["cities"], 1):
        m = user(f"bench_city{i:02d}", manager_unit(city), f"{city.name}资产管理员")
        managers["city"].append(m)
        scopes.append((city, m))
    for i, county in enumerate(levels["counties"], 1):
        m = user(f"bench_county{i:03d}", manager_unit(county), f"{county.name}资产管理员")
        managers["county"].append(m)
        scopes.append((county, m))
    for i, city in enumerate(levels["cities"], 1):
        agency = next(u for u in units if u.parent_id == city.pk and u.kind == OrgKind.AGENCY)
        m = user(f"bench_agency{i:02d}", agency, f"{agency.name}资产管理员")
        managers["agency"].append(m)
        scopes.append((agency, m))
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=2000)
        role = Role.objects.get(code="asset_manager")
        RoleAssignment.objects.bulk_create([RoleAssignment(user=m, role=role, unit=scope, include_descendants=True)
                                            for scope, m in scopes])
    lap(f"users: {len(users)} ({len(scopes)} asset managers)")

    # -- class rules: once per class and standards version --------------------------------------
    classes = services.standard_values(services.CLASS_TABLE, today)
    rule_cache: dict[tuple, tuple] = {}

    def rule(entry, acquired: date, registered: date):
        key = (entry[1], entry[6], acquired.year, registered.year)
        if key not in rule_cache:
            # Before the 2017 tables a card takes the mapping in force at registration: the category
            # is then chosen explicitly on the card (prepare() keeps a given dep_category).
            method, category = services.depreciation_rule(entry[1], max(acquired, registered))
            category = entry[6] or category
            life = 0
            if method != "none":
                life = services.minimum_life_months(category, acquired, fallback=registered)
            rule_cache[key] = (method, category, life)
        return rule_cache[key]

    names = {entry[0]: services.initials(entry[0]) for entry in CATALOGUE}
    for entry in CATALOGUE:
        if entry[1] not in classes:
            raise SystemExit(f"class {entry[1]} is not in the standards table {services.CLASS_TABLE}")
    class_names = {code: e.name for code, e in classes.items()}

    # -- asset cards ----------------------------------------------------------------------------
    columns = ["id", "created_at", "updated_at", "code", "name", "name_initials", "class_code", "class_name",
               "spec_model", "brand", "quantity", "measure_unit", "original_value", "acquisition_method",
               "acquired_on", "funding_source", "supplier", "contract_no", "invoice_no", "owner_unit_id",
               "using_unit_id", "department_id", "user_id", "keeper_id", "location", "status", "warranty_end",
               "custom", "note", "dep_method", "dep_category", "life_months", "dep_anchor", "dep_months",
               "dep_monthly", "dep_base", "dep_stop", "total_workload", "workload_unit", "registered_on",
               "disposed_on", "version", "dep_segmented"]
    expected = {f.column for f in Asset._meta.concrete_fields}
    if set(columns) != expected:
        raise SystemExit(f"Asset columns changed: missing {expected - set(columns)}, extra {set(columns) - expected}")
    cat_values, cat_cum = weighted([(e, e[5]) for e in CATALOGUE])
    st_values, st_cum = weighted(STATUSES)
    aq_values, aq_cum = weighted(ACQUISITION)
    fu_values, fu_cum = weighted(FUNDING)
    level_weight = {1: 3.0, 2: 2.0, 3: 1.0}  # province, city, county bodies: bigger at the top
    ow_values, ow_cum = weighted([(o, level_weight.get(o.depth, 1.0)) for o in owners])
    first_day = date(2017, 1, 1).toordinal()
    old_day = date(2008, 1, 1).toordinal()
    last_day = (today - timedelta(days=1)).toordinal()
    counters: dict[str, int] = {}
    events: list = []
    owner_path = {o.pk: o.name for o in owners}
    asset_start = (Asset.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def cards():
        choices = rng.choices
        for i in range(n_cards):
            pk = asset_start + i
            entry = choices(cat_values, cum_weights=cat_cum)[0]
            name, code_cls, measure, (vlo, vhi), (qlo, qhi) = entry[:5]
            owner = choices(ow_values, cum_weights=ow_cum)[0]
            if rng.random() < 0.15:
                acquired = date.fromordinal(rng.randint(old_day, first_day - 1))
                registered = ADOPTION
            else:
                acquired = date.fromordinal(rng.randint(first_day, last_day))
                registered = min(acquired + timedelta(days=rng.randint(0, 20)), today)
            method, category, life = rule(entry, acquired, registered)
            quantity = rng.randint(qlo, qhi)
            value = Decimal(rng.randint(vlo * 100, vhi * 100)) / 100
            region = region_of[owner.pk]
            prefix = f"{region}{registered.year}"
            seq = counters.get(prefix, 0) + 1
            counters[prefix] = seq
            status = choices(st_values, cum_weights=st_cum)[0]
            people = staff[owner.pk]
            depts = departments.get(owner.pk)
            user_id = dept_id = None
            if status in ("in_use", "lent", "repair"):
                user_id = rng.choice(people)
                dept_id = rng.choice(depts) if depts else None
            disposed = dep_stop = None
            if status == "disposed":
                disposed = date.fromordinal(rng.randint(min(acquired.toordinal() + 365, last_day), last_day))
                dep_stop = period_of(disposed) - 1
            anchor = months = 0
            monthly = base = Decimal("0.00")
            if method == "straight_line":
                s = depreciation.schedule(value, life, depreciation.start_period(acquired, "same_month"))
                anchor, months, monthly, base = s["dep_anchor"], s["dep_months"], s["dep_monthly"], s["dep_base"]
            brand = rng.choice(BRANDS.get(code_cls, [""]))
            code = f"{prefix}{seq:06d}"
            events.append((pk, "register", registered, now, None, f"验收登记：{name}，原值 {value} 元",
                           {"code": code, "owner_unit": owner_path[owner.pk]}, ""))
            yield (pk, now, now, code, name, names[name], code_cls, class_names[code_cls],
                   f"{brand}{rng.randint(100, 999)}" if brand else "", brand, quantity, measure, value,
                   choices(aq_values, cum_weights=aq_cum)[0], acquired, choices(fu_values, cum_weights=fu_cum)[0],
                   "", f"HT{registered.year}-{rng.randint(1, 9999):04d}" if rng.random() < 0.3 else "", "",
                   owner.pk, owner.pk, dept_id, user_id, people[0],
                   f"{rng.randint(1, 12)}号楼{rng.randint(1, 20)}{rng.randint(1, 30):02d}室", status,
                   acquired + timedelta(days=1095) if code_cls.startswith("A02") else None, {}, "",
                   method, category, life, anchor, months, monthly, base, dep_stop, None, "", registered,
                   disposed, 1, False)

    event_columns = ["asset_id", "kind", "occurred_on", "recorded_at", "actor_id", "summary", "data", "document"]
    done = 0
    batch = 200_000
    gen = cards()
    while done < n_cards:
        events.clear()
        rows = [row for _, row in zip(range(min(batch, n_cards - done)), gen, strict=False)]
        loader.load(Asset._meta.db_table, columns, rows)
        loader.load(AssetEvent._meta.db_table, event_columns, events)
        done += len(rows)
        log(f"  cards {done}/{n_cards}")
    AssetCodeSequence.objects.bulk_create([AssetCodeSequence(prefix=p, last_value=v) for p, v in counters.items()])
    lap(f"cards: {n_cards} (+ {n_cards} events)")

    # -- audit log: the real chain algorithm --------------------------------------------------------
    head = ChainHead.objects.filter(pk=1).first()
    last_id, prev = (head.last_id, head.last_hash) if head else (0, GENESIS_HASH)
    count = head.count if head else 0
    audit_columns = ["id", "occurred_at", "actor_id", "actor_username", "org_id", "org_path", "ip", "request_id",
                     "channel", "action", "object_type", "object_id", "object_repr", "before", "after", "success",
                     "message", "prev_hash", "hash", "key_id"]
    expected = {f.column for f in AuditEvent._meta.concrete_fields}
    if set(audit_columns) != expected:
        raise SystemExit(f"AuditEvent columns changed: {expected ^ set(audit_columns)}")
    actors = [(m.pk, m.username, m.unit_id, by_id[m.unit_id].path) for ms in managers.values() for m in ms]
    start_at = now - timedelta(days=365)
    step = timedelta(days=365) / max(audit_rows, 1)
    kid, key = keys.current()  # signed like the application's own records (audit_verify checks them)

    def audit_log():
        nonlocal prev, last_id
        for i in range(audit_rows):
            actor_id, username, org_id, org_path = rng.choice(actors)
            kind = rng.random()
            asset_id = rng.randint(asset_start, asset_start + n_cards - 1) if n_cards else 1
            if kind < 0.3:
                values = {"action": Action.LOGIN.value, "object_type": "org.user", "object_id": str(actor_id),
                          "object_repr": username, "before": None, "after": None, "message": ""}
            elif kind < 0.85:
                values = {"action": Action.UPDATE.value, "object_type": "assets.asset", "object_id": str(asset_id),
                          "object_repr": f"资产 {asset_id}", "before": {"location": "1号楼101室", "version": 1},
                          "after": {"location": "2号楼203室", "version": 2}, "message": ""}
            else:
                values = {"action": Action.STATE.value, "object_type": "assets.asset", "object_id": str(asset_id),
                          "object_repr": f"资产 {asset_id}", "before": {"status": "in_use"},
                          "after": {"status": "idle"}, "message": "交回"}
            last_id += 1
            values.update(id=last_id, occurred_at=(start_at + step * i).replace(microsecond=(i * 7919) % 1_000_000),
                          actor_id=actor_id, actor_username=username, org_id=org_id, org_path=org_path,
                          ip=f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255 or 1}", request_id=f"{i:032x}",
                          channel="web", success=True)
            h = digest(prev, values, key)
            yield (values["id"], values["occurred_at"], actor_id, username, org_id, org_path, values["ip"],
                   values["request_id"], "web", values["action"], values["object_type"], values["object_id"],
                   values["object_repr"], values["before"], values["after"], True, values["message"], prev, h, kid)
            prev = h

    if audit_rows:
        loader.load(AuditEvent._meta.db_table, audit_columns, audit_log())
        with transaction.atomic():
            ChainHead.objects.update_or_create(pk=1, defaults={"last_id": last_id, "last_hash": prev,
                                                                "count": count + audit_rows})
    lap(f"audit: {audit_rows} chained records")

    # -- sequences, statistics, the one real audit record -------------------------------------------
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [OrgUnit, User, Asset, AssetEvent]):
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        autocommit = raw.autocommit
        raw.autocommit = True
        raw.execute("VACUUM ANALYZE")
        raw.autocommit = autocommit
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with acting_as(None, channel="command"):
        audit.record(Action.IMPORT, object_type_label="bench", object_id=scale,
                     object_repr=f"基准测试数据生成：{n_cards} 张卡片，{len(units)} 个单位",
                     after={"seed": seed, "cards": n_cards, "units": len(units), "users": len(users),
                            "audit_rows": audit_rows})
    lap("analyze")
    info = {"seed": seed, "scale": scale, "cards": n_cards, "units": len(units), "users": len(users),
            "audit_rows": audit_rows + 1 + count, "audit_key_id": kid, "generated_at": now.isoformat(), "timings": timings,
            "seconds": round(sum(timings.values()), 1),
            "province_id": levels["province"].pk, "city_ids": [c.pk for c in levels["cities"]],
            "managers": {k: [m.username for m in v] for k, v in managers.items()}}
    meta_set(connection, {"generation": info})
    return info


def ensure(db: str, scale: str, seed: int = common.SEED, force: bool = False, audit_rows: int | None = None) -> dict:
    """The database's generation info, generating it first when missing, stale or ``force``.
    Call after ``common.setup(db, scale)``."""
    from django.db import connection

    from jiguan.audit import keys

    if not force:
        try:
            info = meta_get(connection).get("generation")
        except Exception:
            info = None
        if info:
            info = json.loads(info)
            if info.get("seed") == seed and info.get("cards") == common.SCALES[scale] and (
                    audit_rows is None or info.get("audit_rows", 0) >= audit_rows) and (
                    info.get("audit_key_id") == keys.current()[0]):  # else its log fails audit_verify
                log(f"{db} {scale}: reusing the generated database ({info['cards']} cards, seed {seed})")
                from django.core.management import call_command

                call_command("migrate", interactive=False, verbosity=0)  # schema changes since generation
                return info
    connection.close()
    create_database(db, scale)
    log(f"{db} {scale}: generating (seed {seed})")
    started = time.perf_counter()
    info = generate(db, scale, seed, audit_rows)
    log(f"{db} {scale}: generated in {time.perf_counter() - started:.1f} s")
    return info


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=common.DATABASES, default="postgresql")
    parser.add_argument("--scale", default="10k", help="10k (smoke), 100k, 1m, 10m")
    parser.add_argument("--seed", type=int, default=common.SEED)
    parser.add_argument("--audit-rows", type=int, default=None, help="default: a tenth of the cards")
    parser.add_argument("--force", action="store_true", help="regenerate even when the database is up to date")
    args = parser.parse_args(argv)
    scale = common.scale_name(args.scale)
    common.setup(args.db, scale)
    info = ensure(args.db, scale, args.seed, args.force, args.audit_rows)
    print(json.dumps({k: v for k, v in info.items() if k != "managers"}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
