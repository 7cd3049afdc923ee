"""Pickers that scale to a province (选择单位、选择人员): a form field offers a unit (or a person) out of
ten thousand without putting them on the page. The field holds a ``UnitChoices`` (which units it
accepts: the user's scope for a permission, some kinds, a subtree); the page holds only a text box
(``core.widgets.PickerInput``) whose matches come from ``/org/units/pick/?t=<token>&q=<text>``. The
token is the field's ``UnitChoices`` signed for the user who got the page (``django.core.signing``),
so the endpoint lists what the field accepts, for that user, and nothing a tampered URL asks for.

Matching (``unit_condition``): every character of the query, in order, in the name (福州教育 finds
福州市教育局: 福州 + 教育, not one run); a query of letters and digits matches the pinyin initials
(fzsjyj, or jyj inside them), the unified social credit code and the region code. The closest first:
the exact name, then names that start with the query, then the rest; shallower units and shorter
names first within each. Each match comes with its path (福州市 / 福州市教育局 / 办公室).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace

from django import forms
from django.core import signing
from django.db.models import Case, F, IntegerField, Lookup, Q, Value, When
from django.db.models.functions import Length, Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiguan.core import context
from jiguan.core.scoping import permission_name
from jiguan.core.validators import parse_id
from jiguan.core.widgets import PickerInput

from .models import PATH_SEPARATOR, OrgKind, OrgUnit, User

LIMIT = 20
MAX_QUERY = 40
PATH_JOIN = " / "
SALT = "jiguan.org.picker"
ASCII_WORD = re.compile(r"^[0-9A-Za-z]+$")
BLANK = _("（不选）")  # the empty choice of an optional field; filters say 全部
DROPPED = re.compile(r"[\s%_\\]+")  # whitespace and LIKE's wildcards are never part of a match


class _Like(Lookup):
    """``lhs LIKE rhs`` with the pattern as given (Django's lookups escape % and _)."""

    lookup_name = "jiguan_like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


def normalise(q) -> str:
    return DROPPED.sub("", str(q or ""))[:MAX_QUERY]


def in_order(column: str, q: str) -> _Like:
    """Every character of ``q`` in ``column``, in this order, anything between: %福%州%教%育%."""
    return _Like(Upper(F(column)), Value("%" + "%".join(q.upper()) + "%"))


# Which units a field accepts -----------------------------------------------------------------------


@dataclass(frozen=True)
class UnitChoices:
    """The units a picker offers, for one user.

    ``perm``: the units of the user's scope for this permission ("assets.add_asset"); empty with
    ``everywhere`` (a transfer's receiving unit may be any agency of the province). ``kinds`` /
    ``exclude_kinds``: unit kinds kept / left out. ``within`` / ``outside``: a subtree (a path) the units
    lie in / not in. ``active``: only units in use."""

    perm: str = "org.view_orgunit"
    everywhere: bool = False
    kinds: tuple[str, ...] = ()
    exclude_kinds: tuple[str, ...] = ()
    within: str = ""
    outside: str = ""
    active: bool = True

    @classmethod
    def for_model(cls, model, action: str = "view", **kwargs) -> UnitChoices:
        return cls(perm=permission_name(model, action), **kwargs)

    def queryset(self, user):
        if self.everywhere:
            queryset = OrgUnit.objects.all() if user is not None and user.is_authenticated else OrgUnit.objects.none()
        else:
            queryset = OrgUnit.objects.in_scope(user.get_scope(self.perm)) if user is not None \
                and user.is_authenticated else OrgUnit.objects.none()
        if self.active:
            queryset = queryset.filter(is_active=True)
        if self.kinds:
            queryset = queryset.filter(kind__in=list(self.kinds))
        if self.exclude_kinds:
            queryset = queryset.exclude(kind__in=list(self.exclude_kinds))
        if self.within:
            queryset = queryset.filter(path__startswith=self.within)
        if self.outside:
            queryset = queryset.exclude(path__startswith=self.outside)
        return queryset.order_by("path")

    def token(self, user) -> str:
        data = {k: v for k, v in asdict(self).items() if v != getattr(UnitChoices, k)}
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}
        return signing.dumps({"u": getattr(user, "pk", None), "c": data}, salt=SALT, compress=True)

    @classmethod
    def from_token(cls, token: str, user) -> UnitChoices:
        """The choices a token was signed with for ``user``; BadSignature for another user's or a
        forged one."""
        data = signing.loads(token, salt=SALT)
        if data.get("u") != getattr(user, "pk", None):
            raise signing.BadSignature("token of another user")
        known = {f.name for f in fields(cls)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.get("c", {}).items() if k in known}
        return cls(**values)


ABOVE_DEPARTMENTS = {"exclude_kinds": (OrgKind.DEPARTMENT.value,)}
DEPARTMENTS = {"kinds": (OrgKind.DEPARTMENT.value,)}


# Matching and paths ----------------------------------------------------------------------------------


def unit_condition(q: str) -> tuple[Q, Case]:
    """What matches ``q`` (normalised, not empty), and the rank of a match (0 closest)."""
    if ASCII_WORD.match(q):
        low, up = q.lower(), q.upper()
        condition = (Q(name_initials__startswith=low) | Q(name_initials__contains=low) |
                     Q(credit_code__startswith=up) | Q(region_code__startswith=q) | Q(name__icontains=q))
        rank = Case(When(name_initials=low, then=Value(0)), When(name_initials__startswith=low, then=Value(1)),
                    When(credit_code__startswith=up, then=Value(1)), When(region_code__startswith=q, then=Value(1)),
                    default=Value(2), output_field=IntegerField())
        return condition, rank
    condition = Q(in_order("name", q)) | Q(short_name__icontains=q)
    rank = Case(When(name=q, then=Value(0)), When(short_name=q, then=Value(0)), When(name__startswith=q, then=Value(1)),
                When(name__contains=q, then=Value(2)), default=Value(3), output_field=IntegerField())
    return condition, rank


def path_labels(units) -> dict[int, str]:
    """``{unit id: "福州市 / 福州市教育局 / 办公室"}``: the names from below the top unit down to the unit
    (the top unit, the same for everyone, only for itself). One query for all their ancestors."""
    chains = {}
    wanted = set()
    for unit in units:
        ids = [int(p) for p in unit.path.strip(PATH_SEPARATOR).split(PATH_SEPARATOR) if p.isdigit()]
        chain = ids[1:-1] if len(ids) > 1 else []
        chains[unit.pk] = chain
        wanted.update(chain)
    names = dict(OrgUnit.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}
    return {unit.pk: PATH_JOIN.join([names[i] for i in chains[unit.pk] if i in names] + [unit.name])
            for unit in units}


def search_units(user, choices: UnitChoices, q, limit: int = LIMIT) -> tuple[list[dict], bool]:
    """At most ``limit`` units of ``choices`` matching ``q`` (the top of the choices for an empty
    ``q``), closest first, each ``{"id", "label", "path", "kind"}``; and whether there are more."""
    queryset = choices.queryset(user)
    q = normalise(q)
    if q:
        condition, rank = unit_condition(q)
        queryset = queryset.filter(condition).annotate(rank=rank, name_length=Length("name")) \
            .order_by("rank", "depth", "name_length", "path")
    else:
        queryset = queryset.order_by("depth", "sort_order", "path")
    units = list(queryset.only("id", "name", "short_name", "path", "depth", "kind")[:limit + 1])
    more = len(units) > limit
    units = units[:limit]
    paths = path_labels(units)
    kinds = dict(OrgKind.choices)
    return [{"id": u.pk, "label": u.name, "path": paths[u.pk], "kind": str(kinds.get(u.kind, ""))}
            for u in units], more


# The form field --------------------------------------------------------------------------------------


class UnitPicker(PickerInput):
    empty_text = _("无匹配单位")
    placeholder = _("输入单位名称或拼音首字母")


class UnitPickerField(forms.ModelChoiceField):
    """One unit, picked by typing (``UnitPicker``). ``offer(choices, user)`` sets what it accepts:
    the queryset it validates against and the token of the matches the page asks for.

    ``empty_label`` is the label of the empty choice of an optional field (全部 in a filter)."""

    widget = UnitPicker

    def __init__(self, *args, choices: UnitChoices | None = None, user=None, blank=None, **kwargs):
        kwargs.setdefault("queryset", OrgUnit.objects.none())
        super().__init__(*args, **kwargs)
        self.blank = blank
        self.widget.resolve = self.resolve
        if choices is not None:
            self.offer(choices, user)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.resolve = result.resolve
        return result

    def offer(self, choices: UnitChoices, user=None) -> UnitPickerField:
        """Accept ``choices`` for ``user`` (default: the acting user of the request)."""
        user = user if user is not None else context.current().user
        self.unit_choices = choices
        self.queryset = choices.queryset(user)
        self.widget.source = f"{reverse('org:unit_pick')}?t={choices.token(user)}"
        if not self.required:
            self.widget.blank = self.blank if self.blank is not None else BLANK
        return self

    def resolve(self, value) -> dict | None:
        pk = parse_id(value)
        unit = self.queryset.filter(pk=pk).only("id", "name", "path").first() if pk is not None else None
        if unit is None:
            return None
        return {"label": unit.name, "path": path_labels([unit])[unit.pk]}

    def label_from_instance(self, obj):
        return obj.name


# People ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleChoices:
    """The people a picker offers, for one user: the user's scope for ``perm`` (over the people's
    units), or ``within`` a subtree whatever the scope (the owner unit of a card already in scope)."""

    perm: str = "org.view_user"
    within: str = ""
    active: bool = True
    key: str = "pk"  # what the field posts: the id, or the username (core's UserByNameField)

    def queryset(self, user):
        if user is None or not user.is_authenticated:
            return User.objects.none()
        queryset = User.objects.in_scope(user.get_scope(self.perm)) if self.perm else User.objects.all()
        if self.within:
            queryset = queryset.filter(unit__path__startswith=self.within)
        if self.active:
            queryset = queryset.filter(is_active=True)
        return queryset

    def token(self, user) -> str:
        data = {k: v for k, v in asdict(self).items() if v != getattr(PeopleChoices, k)}
        return signing.dumps({"u": getattr(user, "pk", None), "p": data}, salt=SALT, compress=True)

    @classmethod
    def from_token(cls, token: str, user) -> PeopleChoices:
        data = signing.loads(token, salt=SALT)
        if data.get("u") != getattr(user, "pk", None) or "p" not in data:
            raise signing.BadSignature("token of another user")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data["p"].items() if k in known})


def search_people(user, choices: PeopleChoices, q, limit: int = LIMIT) -> tuple[list[dict], bool]:
    """At most ``limit`` people of ``choices`` whose real name contains ``q`` (or whose username
    starts with it), each ``{"id", "label", "path"}`` with their unit as the path."""
    queryset = choices.queryset(user).select_related("unit")
    q = normalise(q)
    if q:
        queryset = queryset.filter(Q(in_order("full_name", q)) | Q(username__istartswith=q))
        queryset = queryset.annotate(rank=Case(When(full_name=q, then=Value(0)), When(username=q, then=Value(0)),
                                               When(full_name__startswith=q, then=Value(1)), default=Value(2),
                                               output_field=IntegerField()))
        queryset = queryset.order_by("rank", "unit__path", "username")
    else:
        queryset = queryset.order_by("unit__path", "username")
    people = list(queryset[:limit + 1])
    more = len(people) > limit
    people = people[:limit]
    return [{"id": getattr(p, choices.key), "label": person_label(p), "path": p.unit.name if p.unit_id else ""}
            for p in people], more


def person_label(person) -> str:
    return f"{person.full_name}（{person.username}）" if person.full_name else person.username


class PersonPicker(PickerInput):
    empty_text = _("无匹配人员")
    placeholder = _("输入姓名或用户名")


class PersonPickerField(forms.ModelChoiceField):
    """One person, picked by real name, shown with their unit (``PersonPicker``)."""

    widget = PersonPicker

    def __init__(self, *args, choices: PeopleChoices | None = None, user=None, **kwargs):
        kwargs.setdefault("queryset", User.objects.none())
        super().__init__(*args, **kwargs)
        self.widget.resolve = self.resolve
        if choices is not None:
            self.offer(choices, user)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.resolve = result.resolve
        return result

    def offer(self, choices: PeopleChoices, user=None) -> PersonPickerField:
        user = user if user is not None else context.current().user
        if self.to_field_name and choices.key != self.to_field_name:
            choices = replace(choices, key=self.to_field_name)
        self.people_choices = choices
        self.queryset = choices.queryset(user)
        self.widget.source = f"{reverse('org:user_pick')}?t={choices.token(user)}"
        if not self.required:
            self.widget.blank = BLANK
        return self

    def resolve(self, value) -> dict | None:
        key = self.to_field_name or "pk"
        if key == "pk":
            value = parse_id(value)
        person = self.queryset.select_related("unit").filter(**{key: value}).first() if value else None
        if person is None:
            return None
        return {"label": person_label(person), "path": person.unit.name if person.unit_id else ""}

    def label_from_instance(self, obj):
        return person_label(obj)
