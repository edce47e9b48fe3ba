from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "teams.chat"
    label = "chat"
    verbose_name = "Teamchat"

    def ready(self) -> None:
        # Connected here, not on import of the services: the receivers close sockets
        # when a membership ends or a session logs out.
        from teams.chat import receivers

        receivers.connect()
