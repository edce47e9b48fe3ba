"""The team chat pages: the chat itself, the list of one's chats, and the overview panel.

The live part is ``static/chat/chat.js`` over the websocket; without
JavaScript the page still shows the last messages and posts through a form.
"""

import uuid

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from frontend.navigation import nav_item, overview_panel
from teams.chat import services
from teams.chat.selectors import (
    CHAT_READER_ROLES,
    PAGE_SIZE,
    access_chat_team_by_id,
    chat_overview,
    chat_readers,
    may_hide_messages,
    message_data,
    messages_before,
    presence_is_shown,
    presence_list,
    read_marker_for,
)

nav_item(_("Chat"), "chat-index", *CHAT_READER_ROLES, order=35, claims=("chat-page",))


def _js_strings() -> dict[str, str]:
    """The texts the chat script shows, translated here so the script needs no catalogue."""
    texts = {
        "connected": _("Verbonden"),
        "connecting": _("Verbinding maken…"),
        "reconnecting": _("Verbinding verbroken, opnieuw verbinden…"),
        "offline": _("Offline: je berichten gaan weg zodra je weer verbinding hebt."),
        "noAccess": _("Je hebt geen toegang (meer) tot deze chat."),
        "sending": _("wordt verzonden…"),
        "uploading": _("bestand wordt verzonden…"),
        "failed": _("niet verzonden"),
        "retry": _("Opnieuw proberen"),
        "discard": _("Weggooien"),
        "edited": _("(bewerkt)"),
        "deleted": _("Dit bericht is verwijderd."),
        "hiddenBy": _("Verborgen door %(by)s: %(reason)s"),
        "newMessages": _("Nieuwe berichten"),
        "edit": _("Bewerken"),
        "delete": _("Verwijderen"),
        "hide": _("Verbergen"),
        "save": _("Opslaan"),
        "cancel": _("Annuleren"),
        "confirmDelete": _("Dit bericht verwijderen? Iedereen ziet dat het verwijderd is."),
        "hideReason": _("Waarom verberg je dit bericht? Het team ziet de reden."),
        "typingOne": _("%(name)s typt…"),
        "typingMany": _("%(names)s typen…"),
        "and": _("en"),
        "online": _("%(count)s online"),
        "isOnline": _("online"),
        "loadOlder": _("Oudere berichten laden"),
        "loading": _("Laden…"),
        "start": _("Begin van het gesprek"),
        "fileTooLarge": _("Een bijlage mag hoogstens 10 MB groot zijn."),
        "empty": _("Nog geen berichten. Zeg hallo tegen je team!"),
    }
    return {key: str(value) for key, value in texts.items()}


@require_http_methods(["GET", "POST"])
def chat_page(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access_chat_team_by_id(
        user=request.user, team_id=team_id, related=("assignment__organisation", "assignment__cohort")
    )
    user = request.user
    if request.method == "POST":
        # The form without JavaScript; the client_id in the form makes a double submit harmless.
        try:
            message, _created = services.message_post(
                team=team, author=user, body=request.POST.get("body", ""), client_id=request.POST.get("client_id", "")
            )
        except services.ChatError as exc:
            flash.error(request, exc.message)
            return redirect("chat-page", team_id=team.pk)
        return redirect(f"{reverse('chat-page', kwargs={'team_id': team.pk})}#bericht-{message.pk}")

    last_read = read_marker_for(user=user, team=team)
    recent = messages_before(team=team, limit=PAGE_SIZE)
    if recent:
        # Opening the chat reads it; the divider still shows where "new" began.
        services.read_marker_advance(user=user, team=team, last_read_id=recent[-1].pk)
    readers = chat_readers(team=team)
    # The socket this page opens next needs the same people for its presence list.
    presence_list(team=team, readers=readers)
    initial = [message_data(m) for m in recent]
    rows = [
        # ``html`` is the body rendered and sanitised once (wijklab.text.render_chat), as the script shows it.
        {"message": m, "data": data, "html": mark_safe(data["html"]), "own": m.author_id == user.pk}
        for m, data in zip(recent, initial, strict=True)
    ]
    first_new = next((r["message"].pk for r in rows if r["message"].pk > last_read and not r["own"]), None)
    groups = [
        (_("Team"), [r for r in readers if r.group == "team"]),
        (_("Organisatie"), [r for r in readers if r.group == "organisation"]),
        (_("Begeleiders (lezen mee, niet zichtbaar als online)"), [r for r in readers if r.group == "supervisor"]),
    ]
    archived = team.assignment.cohort.is_archived
    config = {
        "team": team.pk,
        "me": {"id": user.pk, "display_name": user.get_display_name()},
        # In an archived cohort nothing is edited, deleted or hidden any more: the script offers none of it.
        "canHide": may_hide_messages(user=user) and not archived,
        "silent": not presence_is_shown(user=user),
        "editWindowMs": 0 if archived else int(services.EDIT_WINDOW.total_seconds() * 1000),
        "maxLength": services.BODY_MAX_LENGTH,
        "maxFileBytes": services.ATTACHMENT_MAX_BYTES,
        "wsPath": f"/ws/teams/{team.pk}/chat/",
        "apiMessages": reverse("api-chat-messages", kwargs={"team_id": team.pk}),
        "apiAttachments": reverse("api-chat-attachments", kwargs={"team_id": team.pk}),
        "lastRead": last_read,
        "hasOlder": len(recent) == PAGE_SIZE,
        "pageSize": PAGE_SIZE,
        "messages": initial,
    }
    return render(
        request,
        "chat/chat.html",
        {
            "team": team,
            # An archived cohort's chat is read back, not written in (its services refuse a message).
            "archived": archived,
            "reader_groups": [(label, people) for label, people in groups if people],
            "reader_count": len(readers),
            "rows": rows,
            "first_new": first_new,
            "config": config,
            "client_id": uuid.uuid4().hex,
            "max_length": services.BODY_MAX_LENGTH,
            "strings": _js_strings(),
        },
    )


@require_GET
def chat_index(request: HttpRequest) -> HttpResponse:
    chats = list(chat_overview(user=request.user)[:100])
    return render(request, "chat/index.html", {"chats": chats})


@overview_panel(*CHAT_READER_ROLES, order=25)
def chat_panel(request: HttpRequest) -> str:
    chats = list(chat_overview(user=request.user)[:6])
    return render_to_string("chat/_panel.html", {"chats": chats}, request=request)


urlpatterns = [
    path("chat/", chat_index, name="chat-index"),
    path("teams/<int:team_id>/chat/", chat_page, name="chat-page"),
]
