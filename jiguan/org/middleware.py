from django.shortcuts import redirect
from django.urls import reverse


class SessionSecurityMiddleware:
    """A signed-in user whose password has expired can reach only the password page and logout.
    (Idle timeout: SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST, from SESSION_IDLE_MINUTES.)"""

    ALLOWED = ("password_change", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated and user.password_expired
                and not request.path.startswith(("/static/", "/api/", "/healthz"))
                and request.path not in {reverse(name) for name in self.ALLOWED}):
            return redirect("password_change")
        return self.get_response(request)
