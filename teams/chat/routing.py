from django.urls import path

from teams.chat.consumers import TeamChatConsumer

websocket_urlpatterns = [
    path("ws/teams/<int:team_id>/chat/", TeamChatConsumer.as_asgi()),
]
