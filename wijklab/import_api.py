"""REST API for student imports (docs/import.md): upload a list for a preview, then confirm it.

Thin: parse → service → response. Coordinators of the cohort only; anyone else gets 404.
"""

from typing import Any

from django.db import IntegrityError
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wijklab import import_selectors as selectors
from wijklab import import_services as services
from wijklab.api_support import conflict, loads_json
from wijklab.errors import RuleViolation
from wijklab.models import StudentImport

CONFLICT = conflict(_("Een regel weigert de actie: het cohort is gearchiveerd, de import is al afgerond of verworpen."))


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("Een .csv- of .xlsx-bestand, hooguit 5 MB en 5.000 rijen."))
    mapping = serializers.CharField(
        required=False,
        help_text=_(
            "Optioneel, JSON: per veld (name, first_name, infix, last_name, email, student_number, niveau, school, "
            "programme, fixed_school, fixed_niveau) de kolomnaam of waarde. Zonder: onthouden of geraden."
        ),
    )

    def validate_mapping(self, value: str) -> dict[str, str]:
        try:
            # Not json.loads: a lone surrogate or deep nesting in the text is bad input too.
            mapping = loads_json(value)
        except ValueError:
            raise serializers.ValidationError(_("Geef de koppeling als JSON-object.")) from None
        allowed = set(selectors.FIELDS + selectors.FIXED_FIELDS)
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            raise serializers.ValidationError(_("Geef de koppeling als JSON-object met tekst als waarden."))
        unknown = sorted(set(mapping) - allowed)
        if unknown:
            raise serializers.ValidationError(_("Onbekende velden: %(names)s.") % {"names": ", ".join(unknown)})
        return mapping


class ImportCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    problem = serializers.IntegerField()


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("Regel in het bestand; de kopregel is regel 1."))
    name = serializers.CharField()
    email = serializers.CharField()
    student_number = serializers.CharField()
    niveau = serializers.IntegerField(allow_null=True)
    school = serializers.CharField(source="school_text")
    programme = serializers.CharField()
    action = serializers.ChoiceField(choices=["new", "updated", "unchanged", "problem"])
    changes = serializers.ListField(child=serializers.CharField())
    problems = serializers.ListField(child=serializers.CharField())


class ImportPreviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    file_name = serializers.CharField()
    # A plain string: a second enum named "status" would clash in the schema with the assignments' one.
    status = serializers.CharField(help_text="preview | confirmed | discarded")
    headers = serializers.ListField(child=serializers.CharField())
    mapping = serializers.DictField(child=serializers.CharField())
    mapping_remembered = serializers.BooleanField()
    mapping_problems = serializers.ListField(
        child=serializers.CharField(), help_text=_("Wat nog ontbreekt aan de koppeling; leeg: in orde.")
    )
    counts = ImportCountsSerializer(allow_null=True)
    rows = ImportRowSerializer(many=True)


class SkippedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    name = serializers.CharField()
    problems = serializers.ListField(child=serializers.CharField())


class ImportSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="confirmed")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    moved = serializers.IntegerField(help_text=_("Bijgewerkte studenten die uit een afgelopen cohort overkwamen."))
    skipped_rows = SkippedRowSerializer(many=True)


def _preview_data(student_import: StudentImport) -> dict[str, Any]:
    problems = selectors.mapping_problems(student_import.mapping, student_import.headers)
    preview = None if problems else selectors.import_preview(student_import=student_import)
    return {
        "id": student_import.pk,
        "cohort_id": student_import.cohort_id,
        "file_name": student_import.file_name,
        "status": student_import.status,
        "headers": student_import.headers,
        "mapping": student_import.mapping,
        "mapping_remembered": bool(student_import.summary.get("mapping_remembered")),
        "mapping_problems": problems,
        "counts": preview.counts if preview else None,
        "rows": preview.rows if preview else [],
    }


class CohortImportsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Upload a student list (CSV or Excel) for a preview; nothing about students is stored yet",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportPreviewSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, cohort_id: int) -> Response:
        cohort = selectors.access_import_cohort(user=request.user, cohort_id=cohort_id)
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        # ImportFileError names the file field: the exception handler answers it as {"file": [...]}.
        if upload.size > services.MAX_FILE_BYTES:
            raise services.ImportFileError(
                str(_("Het bestand is groter dan %(mb)s MB.")) % {"mb": services.MAX_FILE_BYTES // (1024 * 1024)}
            )
        student_import = services.student_import_create(
            cohort=cohort, by=request.user, name=upload.name, content=upload.read()
        )
        mapping = data.validated_data.get("mapping")
        if mapping is not None:
            student_import = services.student_import_set_mapping(
                student_import=student_import, by=request.user, mapping=mapping
            )
        return Response(ImportPreviewSerializer(_preview_data(student_import)).data, status=status.HTTP_201_CREATED)


class ImportConfirmView(APIView):
    @extend_schema(
        summary="Confirm an import: every row without a problem is stored in one transaction",
        request=None,
        responses={200: ImportSummarySerializer, 409: CONFLICT},
    )
    def post(self, request: Request, import_id: int) -> Response:
        student_import = selectors.access_student_import_by_id(user=request.user, import_id=import_id)
        try:
            done = services.student_import_confirm(student_import=student_import, by=request.user)
        except IntegrityError:
            # Someone changed the same students meanwhile; the transaction stored nothing.
            raise RuleViolation(
                "import_conflict",
                _("Intussen is er iets aan deze studenten veranderd. Er is niets opgeslagen; probeer het opnieuw."),
            ) from None
        return Response(ImportSummarySerializer({"id": done.pk, "status": done.status, **done.summary}).data)


urlpatterns = [
    path("cohorts/<int:cohort_id>/imports/", CohortImportsView.as_view(), name="api-cohort-imports"),
    path("imports/<int:import_id>/confirm/", ImportConfirmView.as_view(), name="api-import-confirm"),
]
