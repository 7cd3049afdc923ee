import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

REFRESHED_KEY = "_jiguan_refreshed"


class SessionSecurityMiddleware:
    """A signed-in user whose password has expired can reach only the password page and logout.

    Idle timeout (等保 2.0, FACTS §9): a session expires SESSION_IDLE_MINUTES after the user's last
    request (SESSION_COOKIE_AGE). Rather than writing the session row on every request
    (SESSION_SAVE_EVERY_REQUEST: an UPDATE and a COMMIT per page view, contended when a browser
    sends several requests at once), a request restarts the idle clock when the last restart is at
    least SESSION_REFRESH_SECONDS old: the session then expires between IDLE_MINUTES minus that
    interval and IDLE_MINUTES after the last request."""

    ALLOWED = ("password_change", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.password_expired
                and not request.path.startswith(("/static/", "/api/", "/healthz"))
                and request.path not in {reverse(name) for name in self.ALLOWED}):
            return redirect("password_change")
        response = self.get_response(request)
        self.refresh(request)
        return response

    def refresh(self, request) -> None:
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or session.is_empty():
            return  # no session (an API token, an anonymous visitor): nothing to keep alive
        if time.time() - session.get(REFRESHED_KEY, 0) >= settings.JIGUAN_SECURITY.get("SESSION_REFRESH_SECONDS", 60):
            start_idle_clock(request)


def start_idle_clock(request) -> None:
    """Mark the session modified (SessionMiddleware saves it, with a new expiry). At sign-in too, so
    the first pages after it do not write the session again."""
    if getattr(request, "session", None) is not None:
        request.session[REFRESHED_KEY] = int(time.time())
