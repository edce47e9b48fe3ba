"""Shared DRF plumbing: pagination, the error format of docs/api.md and the output shapes every app uses."""

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

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
