from . import menu


def shell(request):
    """The shell around every page: navigation for the user's permissions and the unit switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from jiguan.org.selectors import switcher_units

    units = switcher_units(user)
    focus = request.session.get("focus_unit")
    from jiguan.notifications.services import unread_count

    return {
        "nav_sections": menu.for_user(user, request.path),
        "unread_notifications": unread_count(user),
        "switcher_units": units,
        "focus_unit": next((u for u in units if u.pk == focus), None),
    }
