"""The OpenAPI document's error responses, in one place for every operation.

Every failure answers the structured body of ``core.rest.exception_handler``::

    {"error": {"code": "validation_error", "message": "提交的数据有误。", "fields": {"name": ["…"]}}}

``AutoSchema`` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds to each operation the error responses
it can give, with that body (component ``Error``), unless the operation documents the code itself:

- 400 ``validation_error``: the operation writes (the input or the business rules refuse it) or
  takes query parameters (filters);
- 401 ``not_authenticated``/``authentication_failed`` and 403 ``permission_denied``: it needs a
  signed-in caller (a role's permission, the object's data scope);
- 404 ``not_found``: it has path or query parameters: a row named in the path or a filter that does
  not exist (a row outside the caller's scope is 404 too, never 403), a page past the end;
- 409 ``conflict``: it writes (the object is held by another open document, or changed state since
  the caller read it);
- 415 ``unsupported_media_type``: it takes a request body (POST, PUT, PATCH);
- 429 ``throttled``: the view throttles its callers.

A view documents anything else it answers with ``extend_schema(responses=...)``, and what it
documents there wins; ``error_responses(401, 429)`` gives the error codes a view answers itself
(the token endpoint, open to anyone, refuses a sign-in with 401).
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ConflictHolderSerializer(serializers.Serializer):
    object = serializers.CharField(help_text="The object held, e.g. an asset card's code.")
    object_id = serializers.IntegerField()
    document = serializers.CharField(help_text="Number of the open document that holds it.")
    document_type = serializers.CharField(help_text="Kind of that document, e.g. 资产调拨.")


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable reason: validation_error, not_authenticated, "
                                           "authentication_failed, permission_denied, not_found, "
                                           "method_not_allowed, unsupported_media_type, conflict, throttled, …")
    message = serializers.CharField(help_text="What went wrong, in Chinese, for the user.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="400 (and a 409 on a held object): the messages per input field; "
                  "non_field_errors for the input as a whole.")
    conflicts = ConflictHolderSerializer(many=True, required=False,
                                         help_text="409 on a held object: the open documents that hold it.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERRORS = {
    400: "Validation error (`validation_error`): `fields` names each input field and what is wrong "
         "with it.",
    401: "Not signed in (`not_authenticated`) or the token is invalid or expired (`authentication_failed`).",
    403: "The caller's roles do not allow this operation (`permission_denied`).",
    404: "No such row, or not in the caller's data scope (`not_found`); for a list, a page past the end.",
    409: "Conflict (`conflict`): the object is held by another open document (`conflicts` names it) or "
         "its state changed since it was read; refresh and retry.",
    415: "The request body's media type is not accepted (`unsupported_media_type`).",
    429: "Too many requests (`throttled`): retry after the number of seconds in `Retry-After`.",
}


def error_responses(*codes: int) -> dict:
    """``extend_schema(responses={200: …, **error_responses(401, 429)})``: the error body for each code."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERRORS[code]) for code in codes}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        ref = self.resolve_serializer(ErrorSerializer, "response").ref
        for code in self.error_codes(operation):
            responses.setdefault(str(code), {"content": {"application/json": {"schema": ref}},
                                             "description": ERRORS[code]})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _get_paginator(self):
        # DRF paginates only what a GET lists: a POST that answers a list (the attachments it uploaded)
        # answers a plain array, not a page.
        return super()._get_paginator() if self.method == "GET" else None

    def error_codes(self, operation) -> list[int]:
        parameters = operation.get("parameters", [])
        writes = self.method not in SAFE_METHODS
        codes = []
        if writes or any(p["in"] == "query" for p in parameters):
            codes.append(400)
        if self.requires_authentication():
            codes += [401, 403]
        if parameters:  # a row named in the path or a filter (?unit=) that is not there, a page past the end
            codes.append(404)
        if writes and self.requires_authentication():
            codes.append(409)
        if writes and self.method != "DELETE":
            codes.append(415)
        if self.view.get_throttles():
            codes.append(429)
        return codes

    def requires_authentication(self) -> bool:
        return not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())
