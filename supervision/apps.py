from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"

    def ready(self) -> None:
        # Services enqueue these tasks by name (wijklab.celery.enqueue_on_commit); importing the
        # module here registers them in every process, web as well as worker.
        from supervision import tasks  # noqa: F401
