"""Shared DRF plumbing: pagination, the error format of docs/api.md and the output shapes every app uses."""

import json
import re
from typing import IO, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import parsers, renderers, serializers, status
from rest_framework.exceptions import ErrorDetail, ParseError, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from wijklab.errors import RuleViolation

# DRF's Dutch catalogue leaves these messages in English (and a JSON parse error
# is never translated), while docs/api.md promises Dutch. Keyed by DRF's English text;
# {name} stands for the part DRF fills in.
_DRF_UNTRANSLATED = {
    "Not a valid string.": _("Vul tekst in."),
    "Must be a valid boolean.": _("Kies true of false."),
    "Invalid input.": _("Ongeldige invoer."),
    "Must be a valid UUID.": _("Geef een geldige UUID."),
    "A valid biginteger is required.": _("Geef een geheel getal."),
    "This dictionary may not be empty.": _("Dit mag niet leeg zijn."),
    "Datetime value out of range.": _("Deze datum en tijd vallen buiten het bereik."),
    "Ensure this field has at least {min_length} elements.": _(
        "Deze lijst moet minstens %(min_length)s elementen hebben."
    ),
    "Ensure this field has no more than {max_length} elements.": _(
        "Deze lijst mag hoogstens %(max_length)s elementen hebben."
    ),
    "Surrogate characters are not allowed: {code_point}.": _("De tekst bevat een teken dat niet kan."),
    "JSON parse error - {detail}": _("De inhoud is geen geldige JSON."),
    "Multipart form parse error - {detail}": _("Het formulier kon niet worden gelezen."),
}
_DRF_PATTERNS = [
    (re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.*)", re.escape(english)) + "$", re.DOTALL), dutch)
    for english, dutch in _DRF_UNTRANSLATED.items()
]


def _in_dutch(data: Any) -> Any:
    """``data`` with DRF's untranslated English messages replaced by Dutch ones (codes kept)."""
    if isinstance(data, list):
        return [_in_dutch(item) for item in data]
    if isinstance(data, dict):
        return {key: _in_dutch(value) for key, value in data.items()}
    if isinstance(data, str):
        for pattern, dutch in _DRF_PATTERNS:
            match = pattern.match(data)
            if match:
                return ErrorDetail(str(dutch) % match.groupdict(), code=getattr(data, "code", None))
    return data


# --- hostile JSON: one parser and one renderer for every endpoint ---------------------------------
# A JSON string may spell a lone surrogate ("\ud800"): Python accepts it, but no database, no
# UTF-8 encoder and no echoing error message can ("not a valid choice" repeats the value, and
# rendering that answer crashed). Deep nesting makes json.loads (and every recursive walk after
# it) run out of stack. Both are refused here, before any serializer sees the body.

MAX_JSON_DEPTH = 32  # the deepest real body (feedback: object > scores > object) is 3
BAD_TEXT = _("De tekst bevat een teken dat niet kan (een los surrogaatteken).")
TOO_DEEP = _("De JSON is te diep genest (hooguit %(depth)s niveaus).")


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_problem(data: Any) -> str | None:
    """Why parsed JSON cannot be taken (a Dutch message), or None. Iterative: depth costs no stack."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if has_lone_surrogate(value):
                return str(BAD_TEXT)
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return str(TOO_DEEP % {"depth": MAX_JSON_DEPTH})
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)
    return None


def loads_json(text: str | bytes) -> Any:
    """``json.loads`` for text from a client: ``ValueError`` (with a Dutch message) for anything
    that is not JSON, nested too deep or carries a lone surrogate."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(str(TOO_DEEP % {"depth": MAX_JSON_DEPTH})) from None
    problem = json_problem(data)
    if problem:
        raise ValueError(problem)
    return data


class JSONParser(parsers.JSONParser):
    """DRF's parser (settings ``DEFAULT_PARSER_CLASSES``) with the two limits above: 400, never 500."""

    def parse(self, stream: IO[bytes], media_type: str | None = None, parser_context: dict | None = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP % {"depth": MAX_JSON_DEPTH}) from None
        problem = json_problem(data)
        if problem:
            raise ParseError(problem)
        return data


class JSONRenderer(renderers.JSONRenderer):
    """DRF's renderer, falling back to ASCII escapes when a value cannot be UTF-8: an answer that
    echoes a lone surrogate someone slipped past the parser is still an answer, not a 500."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            self.ensure_ascii = True  # one renderer per response: nothing else sees this
            return super().render(data, accepted_media_type, renderer_context)


class PersonSerializer(serializers.Serializer):
    """A person as every API names one: id and display name (never more: no e-mail, no niveau)."""

    id = serializers.IntegerField(source="pk")
    display_name = serializers.CharField(source="get_display_name")


class RefSerializer(serializers.Serializer):
    """A reference to a named object (cohort, organisation, team, competence)."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class OmitNoneMixin:
    """Leaves the ``omit_if_none`` keys out when they are null: a viewer who may not know a value
    (a student's niveau, say) does not even see the key (docs/api.md)."""

    omit_if_none: tuple[str, ...] = ()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)  # type: ignore[misc]
        for key in self.omit_if_none:
            if data.get(key) is None:
                data.pop(key, None)
        return data


class DetailSerializer(serializers.Serializer):
    """A plain message: ``{"detail": "..."}``."""

    detail = serializers.CharField()


class RuleViolationSerializer(serializers.Serializer):
    """What ``exception_handler`` answers for a refused action (409, or 403/429 for some chat codes)."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable; what the refusal is about.")


def conflict(description: str) -> OpenApiResponse:
    """The 409 of an endpoint whose service may refuse with a ``RuleViolation``."""
    return OpenApiResponse(response=RuleViolationSerializer, description=description)


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every domain error becomes its response here, so views never catch them."""
    if isinstance(exc, RuleViolation):
        if exc.field and exc.status_code == status.HTTP_400_BAD_REQUEST:
            # Bad input the service judged: the same shape as a serializer's field errors.
            return Response({exc.field: [str(exc.message)]}, status=exc.status_code)
        return Response({"detail": str(exc.message), "code": exc.code}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            data = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    # Imported here: rest_framework.views reads DEFAULT_RENDERER_CLASSES (this module) at import time.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and (translation.get_language() or "").startswith("nl"):
        response.data = _in_dutch(response.data)
    return response


NOT_FOR_YOUR_ROLE = _("Dat mag je met jouw rol niet.")


def require(allowed: bool, message: Any = NOT_FOR_YOUR_ROLE) -> None:
    """The API's gate: a "no" from a selectors predicate becomes 403 here, for every endpoint.

    "Not for your role" tells nothing about any object (docs/api.md). An object the user may not
    see is a 404 instead, raised by its access helper and answered by the handler above.
    """
    if not allowed:
        raise PermissionDenied(message)


# --- the error answers in the schema (docs/api.md "Errors") -----------------------------------------
# Every endpoint may answer these; views document only their own 409s and special cases, and this
# hook (SPECTACULAR_SETTINGS "POSTPROCESSING_HOOKS") adds the rest with one shared shape.
ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "detail (and code) for a refusal; {field: [messages]} for bad input (400), nested per item "
        "or per sub-object where the field is a list or an object."
    ),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable; what the refusal is about."},
    },
    "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "object"}]},
}
ERROR_ANSWERS = {
    "400": "Foute invoer: per veld een lijst met meldingen, of detail.",
    "401": "Niet aangemeld (geen of een ongeldig token).",
    "403": "Niet voor jouw rol (zegt niets over het object).",
    "404": "Bestaat niet, of je mag het niet zien.",
    "409": "Een regel weigert de actie (detail en code).",
    "429": "Te veel verzoeken; probeer het later opnieuw.",
}


def _omittable(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_omittable(sub)]
    return found


def document_errors(result: dict, generator: Any, request: Any, public: bool) -> dict:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    # OmitNoneMixin leaves its keys out when null: in the schema they are optional, not required.
    for cls in _omittable(OmitNoneMixin):
        component = schemas.get(cls.__name__.removesuffix("Serializer"), {})
        if "required" in component:
            component["required"] = [key for key in component["required"] if key not in cls.omit_if_none]
    ref = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = dict(ERROR_ANSWERS)
            if method in {"post", "put", "patch"} and "requestBody" in operation:
                answers["415"] = "Dit soort inhoud neemt het eindpunt niet aan."
            for code, description in answers.items():
                response = operation["responses"].setdefault(code, {"description": description})
                response.setdefault("description", description)
                if not response.get("content"):
                    # A list body's field errors come per item: a list of such objects.
                    schema = {"anyOf": [ref, {"type": "array", "items": ref}]} if code == "400" else ref
                    response["content"] = {"application/json": {"schema": schema}}
    return result
