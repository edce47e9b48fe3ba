from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"

    def ready(self) -> None:
        # The chat's signal receivers (close sockets on leaving/logging out) and
        # its Celery tasks, which autodiscovery (tasks.py only) would not find.
        from teams import chat_services, chat_tasks  # noqa: F401
