from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Liveness and database check for load balancers and monitoring. No authentication, no data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ok"
        return JsonResponse({"status": "error", "database": "error", "detail": exc.__class__.__name__},
                            status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
