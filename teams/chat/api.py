"""The chat's REST side (docs/api.md): history pages, idempotent posting, edits, files, read markers.

Thin views: the access helper (outsiders and coordinators get 404), then a
selector or a service. The websocket carries the same messages live.
"""

from datetime import datetime
from urllib.parse import urlencode

from django.http import FileResponse, Http404, HttpResponse
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teams.chat import services
from teams.chat.selectors import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    access_chat_team_by_id,
    attachment_in_team,
    attachment_url,
    chat_overview,
    is_gone,
    may_see_revisions,
    message_in_team,
    messages_after,
    messages_before,
    websocket_path,
)
from teams.models import Attachment, AttachmentKind, Message, Team
from wijklab.api_support import JSONParser, Pagination, PersonSerializer, RefSerializer
from wijklab.text import render_chat


def chat_team(request: Request, team_id: int) -> Team:
    """The team if the user may read its chat; 404 otherwise (also for coordinators: the chat is not theirs)."""
    return access_chat_team_by_id(user=request.user, team_id=team_id)


def _body(request: Request) -> dict:
    """The JSON body as an object; an array, number, string or null is bad input, not a crash."""
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": [_("Stuur de velden als JSON tussen { }.")]})
    return request.data


# --- output: one serializer per shape, for the response and the schema alike -------------
# The websocket sends the same message as ``selectors.message_data`` builds it, a dict
# built without DRF because it runs for every message (tests/teams/chat/test_api.py holds
# the two to the same keys and values).


class IsoDateTimeField(serializers.DateTimeField):
    """``datetime.isoformat()``, as the websocket frames write a time (DRF would write ``Z``)."""

    def to_representation(self, value: datetime | None) -> str | None:
        return value.isoformat() if value else None


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)

    def get_url(self, attachment: Attachment) -> str:
        return attachment_url(attachment, team_id=self.context["team_id"])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_thumbnail_url(self, attachment: Attachment) -> str | None:
        return f"{self.get_url(attachment)}?thumbnail=1" if attachment.thumbnail else None


class HiddenSerializer(serializers.Serializer):
    by = serializers.SerializerMethodField()
    reason = serializers.CharField(source="hidden_reason")
    at = IsoDateTimeField(source="hidden_at")

    def get_by(self, message: Message) -> str:
        return message.hidden_by.get_display_name() if message.hidden_by else ""


class MessageSerializer(serializers.Serializer):
    """A message; deleted and hidden ones keep their place but lose body and files (``message_data``)."""

    type = serializers.SerializerMethodField(help_text="message, or message_updated after an edit, delete or hide.")
    id = serializers.IntegerField(source="pk")
    team = serializers.IntegerField(source="team_id")
    author = PersonSerializer()
    body = serializers.SerializerMethodField()
    html = serializers.SerializerMethodField(
        help_text="The body as sanitised HTML (bold, italics, lists, links, line breaks): what a client shows."
    )
    created_at = IsoDateTimeField()
    client_id = serializers.CharField()
    edited_at = IsoDateTimeField(allow_null=True)
    deleted = serializers.SerializerMethodField()
    hidden = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    def get_type(self, message: Message) -> str:
        return self.context.get("event", "message")

    def get_body(self, message: Message) -> str:
        return "" if is_gone(message) else message.body

    def get_html(self, message: Message) -> str:
        return "" if is_gone(message) else str(render_chat(message.body))

    def get_deleted(self, message: Message) -> bool:
        return message.deleted_at is not None

    @extend_schema_field(HiddenSerializer(allow_null=True))
    def get_hidden(self, message: Message) -> dict | None:
        return None if message.hidden_at is None else HiddenSerializer(message).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, message: Message) -> list[dict]:
        if is_gone(message):
            return []
        return AttachmentSerializer(message.attachments.all(), many=True, context={"team_id": message.team_id}).data


class MessagePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = MessageSerializer(many=True)


class RevisionSerializer(serializers.Serializer):
    body = serializers.CharField()
    replaced_at = IsoDateTimeField()


class ReadResultSerializer(serializers.Serializer):
    last_read_id = serializers.IntegerField()


class ChatOverviewItemSerializer(serializers.Serializer):
    team = RefSerializer(source="*")
    unread = serializers.IntegerField()
    last_message_id = serializers.IntegerField(allow_null=True)
    websocket = serializers.SerializerMethodField()

    def get_websocket(self, team: Team) -> str:
        return websocket_path(team_id=team.pk)


class ChatOverviewPageSerializer(serializers.Serializer):
    """The page envelope ``Pagination`` wraps around the items (schema only: the paginator builds it)."""

    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ChatOverviewItemSerializer(many=True)


def _message(message: Message, *, event: str = "message", status_code: int = status.HTTP_200_OK) -> Response:
    return Response(MessageSerializer(message, context={"event": event}).data, status=status_code)


# --- input ---------------------------------------------------------------------------------


class MessageInSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=services.BODY_MAX_LENGTH * 2, allow_blank=True, trim_whitespace=False)
    client_id = serializers.CharField(max_length=services.CLIENT_ID_MAX_LENGTH)


class AttachmentInSerializer(serializers.Serializer):
    file = serializers.FileField()
    client_id = serializers.CharField(max_length=services.CLIENT_ID_MAX_LENGTH)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


def _int_param(
    request: Request, name: str, *, default: int | None, minimum: int, maximum: int | None = None
) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [_("Geef een geheel getal.")]}) from None
    if value < minimum or (maximum is not None and value > maximum):
        if maximum is None:
            text = _("Geef een getal van %(min)s of meer.") % {"min": minimum}
        else:
            text = _("Geef een getal van %(min)s tot en met %(max)s.") % {"min": minimum, "max": maximum}
        raise ValidationError({name: [text]})
    return value


class MessagesView(APIView):
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="Chat history, oldest first",
        parameters=[
            OpenApiParameter("after", int, description="Messages with a higher id (catch-up)."),
            OpenApiParameter("before", int, description="The page just before this id (older history)."),
            OpenApiParameter("limit", int, description=f"Page size, 1..{MAX_PAGE_SIZE} (default {PAGE_SIZE})."),
        ],
        responses=MessagePageSerializer,
    )
    def get(self, request: Request, team_id: int) -> Response:
        team = chat_team(request, team_id)
        limit = _int_param(request, "limit", default=PAGE_SIZE, minimum=1, maximum=MAX_PAGE_SIZE)
        after = _int_param(request, "after", default=None, minimum=0)
        before = _int_param(request, "before", default=None, minimum=1)
        if after is not None and before is not None:
            raise ValidationError({"before": [_("Gebruik after óf before, niet allebei.")]})
        base = request.build_absolute_uri(request.path)

        def page_url(**params: int) -> str:
            return f"{base}?{urlencode({**params, 'limit': limit})}"

        if before is not None:
            messages = messages_before(team=team, before=before, limit=limit)
        else:
            messages = messages_after(team=team, after=after or 0, limit=limit)
        first = messages[0].pk if messages else None
        last = messages[-1].pk if messages else None
        if before is not None:
            previous = page_url(before=first) if first and len(messages) == limit else None
            following = page_url(after=last) if last else None
        else:
            previous = page_url(before=first) if first and after else None
            following = page_url(after=last) if last and len(messages) == limit else None
        page = {"count": team.messages.count(), "next": following, "previous": previous, "results": messages}
        return Response(MessagePageSerializer(page).data)

    @extend_schema(
        summary="Post a message (idempotent by client_id)",
        request=MessageInSerializer,
        responses={
            201: MessageSerializer,
            200: OpenApiResponse(MessageSerializer, description="Already stored: the stored message."),
            429: OpenApiResponse(description="More than 20 messages in 10 seconds."),
        },
    )
    def post(self, request: Request, team_id: int) -> Response:
        team = chat_team(request, team_id)
        data = MessageInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message, created = services.message_post(
            team=team,
            author=request.user,
            body=data.validated_data["body"],
            client_id=data.validated_data["client_id"],
        )
        return _message(message, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MessageView(APIView):
    @extend_schema(
        summary="Edit your own message (within 15 minutes)",
        request=inline_serializer("MessageEdit", {"body": serializers.CharField()}),
        responses=MessageSerializer,
    )
    def patch(self, request: Request, team_id: int, message_id: int) -> Response:
        team = chat_team(request, team_id)
        message = message_in_team(team=team, message_id=message_id)
        message = services.message_edit(message=message, by=request.user, body=_body(request).get("body"))
        return _message(message, event="message_updated")

    @extend_schema(summary="Delete your own message (within 15 minutes)", responses=MessageSerializer)
    def delete(self, request: Request, team_id: int, message_id: int) -> Response:
        team = chat_team(request, team_id)
        message = message_in_team(team=team, message_id=message_id)
        message = services.message_delete(message=message, by=request.user)
        return _message(message, event="message_updated")


class MessageHideView(APIView):
    @extend_schema(
        summary="Hide a message (the team's supervisors), with a reason",
        request=inline_serializer("MessageHide", {"reason": serializers.CharField()}),
        responses=MessageSerializer,
    )
    def post(self, request: Request, team_id: int, message_id: int) -> Response:
        team = chat_team(request, team_id)
        message = message_in_team(team=team, message_id=message_id)
        message = services.message_hide(message=message, by=request.user, reason=_body(request).get("reason"))
        return _message(message, event="message_updated")


class MessageRevisionsView(APIView):
    @extend_schema(
        summary="Earlier wordings of a message (its author and the team's supervisors)",
        responses=RevisionSerializer(many=True),
    )
    def get(self, request: Request, team_id: int, message_id: int) -> Response:
        team = chat_team(request, team_id)
        message = message_in_team(team=team, message_id=message_id)
        if not may_see_revisions(user=request.user, message=message):
            raise Http404("Bericht niet gevonden.")
        return Response(RevisionSerializer(message.revisions.order_by("id"), many=True).data)


class AttachmentsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Send a file (image or PDF, up to 10 MB) as a message",
        request={"multipart/form-data": AttachmentInSerializer},
        responses={201: MessageSerializer, 200: MessageSerializer},
    )
    def post(self, request: Request, team_id: int) -> Response:
        team = chat_team(request, team_id)
        data = AttachmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message, created = services.message_post(
            team=team,
            author=request.user,
            body=data.validated_data.get("body", ""),
            client_id=data.validated_data["client_id"],
            files=[data.validated_data["file"]],
        )
        return _message(message, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class AttachmentView(APIView):
    @extend_schema(
        summary="Download a file (only for those who read the chat)",
        parameters=[OpenApiParameter("thumbnail", bool, description="The small preview of an image, inline.")],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, team_id: int, attachment_id: int) -> HttpResponse:
        team = chat_team(request, team_id)
        attachment = attachment_in_team(team=team, attachment_id=attachment_id)
        if request.query_params.get("thumbnail"):
            if not attachment.thumbnail:
                raise Http404("Geen voorbeeld.")
            # Our own re-encoded WebP, safe to show inline.
            response = FileResponse(attachment.thumbnail.open("rb"), content_type="image/webp")
        else:
            response = FileResponse(
                attachment.file.open("rb"),
                as_attachment=True,
                filename=attachment.original_name,
                content_type=attachment.content_type,
            )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=3600"
        return response


class ReadView(APIView):
    @extend_schema(
        summary="Move your read marker forward",
        request=inline_serializer("ChatRead", {"last_id": serializers.IntegerField()}),
        responses=ReadResultSerializer,
    )
    def post(self, request: Request, team_id: int) -> Response:
        team = chat_team(request, team_id)
        last = services.read_marker_advance(user=request.user, team=team, last_read_id=_body(request).get("last_id"))
        return Response(ReadResultSerializer({"last_read_id": last}).data)


class ChatOverviewView(APIView):
    @extend_schema(
        summary="Your team chats with unread counts",
        responses=ChatOverviewPageSerializer,
    )
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(chat_overview(user=request.user), request, view=self)
        return paginator.get_paginated_response(ChatOverviewItemSerializer(page, many=True).data)


urlpatterns = [
    path("chats/", ChatOverviewView.as_view(), name="api-chat-overview"),
    path("teams/<int:team_id>/messages/", MessagesView.as_view(), name="api-chat-messages"),
    path("teams/<int:team_id>/messages/<int:message_id>/", MessageView.as_view(), name="api-chat-message"),
    path("teams/<int:team_id>/messages/<int:message_id>/hide/", MessageHideView.as_view(), name="api-chat-hide"),
    path(
        "teams/<int:team_id>/messages/<int:message_id>/revisions/",
        MessageRevisionsView.as_view(),
        name="api-chat-revisions",
    ),
    path("teams/<int:team_id>/read/", ReadView.as_view(), name="api-chat-read"),
    path("teams/<int:team_id>/attachments/", AttachmentsView.as_view(), name="api-chat-attachments"),
    path(
        "teams/<int:team_id>/attachments/<int:attachment_id>/",
        AttachmentView.as_view(),
        name="api-chat-attachment",
    ),
]
