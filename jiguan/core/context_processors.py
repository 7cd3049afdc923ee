from . import menu


def shell(request):
    """The shell around every page: navigation for the user's permissions and the unit switcher.

    A fixed handful of queries whatever the page: the switcher's units, the 我的待办 badge, the unread
    messages; the permissions and role assignments behind the menu are read once per request with
    the user (``User.role_assignments``), the user's unit with the session's user. Computed once per
    request, however many templates render with it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_jiguan_shell", None)
    if cached is not None:
        return cached
    from jiguan.notifications.services import unread_count
    from jiguan.org.selectors import switcher_units

    units = switcher_units(user)
    focus = request.session.get("focus_unit")
    request._jiguan_shell = {
        "nav_sections": menu.for_user(user, request.path),
        "unread_notifications": unread_count(user),
        "switcher_units": units,
        "focus_unit": next((u for u in units if u.pk == focus), None),
    }
    return request._jiguan_shell
