from __future__ import annotations

from . import context


def client_ip(request) -> str | None:
    # Behind nginx the real address is the first X-Forwarded-For entry; deployments that are not
    # behind a trusted proxy should strip the header there.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and sets the acting-user context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.META.get("HTTP_X_REQUEST_ID", "")[:32] or context.new_request_id()
        request.request_id = request_id
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_for_request(
            context.ActorContext(user=user, ip=client_ip(request), request_id=request_id, channel=channel)
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
