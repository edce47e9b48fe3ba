from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wijklab.models import Role


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    niveau = serializers.IntegerField(required=False)
    kind = serializers.CharField(required=False)
    organisation = serializers.DictField(required=False)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = request.user
        data: dict = {
            "id": user.pk,
            "username": user.username,
            "display_name": user.get_display_name(),
            "role": user.role,
        }
        profile = getattr(user, "student_profile", None) if user.role == Role.STUDENT else None
        if profile is not None:
            data["niveau"] = profile.niveau
        sup = getattr(user, "supervisor_profile", None) if user.role == Role.SUPERVISOR else None
        if sup is not None:
            data["kind"] = sup.kind
        org = user.organisation if user.organisation_id else (sup.organisation if sup and sup.organisation_id else None)
        if org is not None:
            data["organisation"] = {"id": org.pk, "name": org.name}
        return Response(data)
