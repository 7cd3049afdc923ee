from django.utils.translation import gettext as _

from . import menu

SWITCHER_MENU = "top: 100%; right: 0; min-width: 22rem; max-width: 90vw; max-height: 70vh; overflow-y: auto"


def shell(request):
    """The shell around every page: navigation for the user's permissions and the unit switcher.

    A fixed handful of queries whatever the page: whether there is anything to switch between, the
    unit switched to, the 我的待办 badge, the unread messages; the permissions and role assignments
    behind the menu are read once per request with the user (``User.role_assignments``), the user's
    unit with the session's user. Computed once per request, however many templates render with it.

    The switcher is a picker (``org.picker``): a box the user types a unit's name or initials into,
    never the list of a province's units. It is rendered twice, in the header (wide screens) and
    in the sidebar drawer (phones)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_jiguan_shell", None)
    if cached is not None:
        return cached
    from jiguan.notifications.services import unread_count
    from jiguan.org.selectors import switcher_choices

    choices = switcher_choices(user)
    focus = None
    header = drawer = ""
    if choices is not None:
        focus_id = request.session.get("focus_unit")
        if str(focus_id or "").isdigit():
            from jiguan.org.models import OrgUnit

            focus = (OrgUnit.objects.restrict(user).filter(pk=focus_id)
                     .only("id", "name", "short_name", "path", "depth").first())
        header = _switcher(user, choices, focus, "switch-unit", SWITCHER_MENU)
        drawer = _switcher(user, choices, focus, "switch-unit-drawer", None)
    request._jiguan_shell = {
        "nav_sections": menu.for_user(user, request.path),
        "unread_notifications": unread_count(user),
        "unit_switcher": header,
        "unit_switcher_drawer": drawer,
        "focus_unit": focus,
    }
    return request._jiguan_shell


def _switcher(user, choices, focus, id_, menu_style) -> str:
    from django.urls import reverse

    from jiguan.org.picker import UnitPicker, path_labels

    everything = _("全部（我的数据范围）")
    widget = UnitPicker(source=f"{reverse('org:unit_pick')}?t={choices.token(user)}", blank=everything,
                        submit=True, show_path=False, placeholder=everything, menu_style=menu_style,
                        attrs={"class": "form-control form-control-sm", "aria-label": _("当前范围")})
    if focus is not None:
        paths = getattr(focus, "_switcher_path", None) or path_labels([focus])[focus.pk]
        focus._switcher_path = paths
        widget.resolve = lambda value: {"label": focus.name, "path": paths}
    return widget.render("unit", focus.pk if focus else "", attrs={"id": id_})
