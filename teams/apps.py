from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"

    def ready(self) -> None:
        # assignments sits below teams and asks these through a hook instead of an import.
        from assignments.selectors import TeamHooks, register_team_hooks
        from teams import selectors

        register_team_hooks(
            TeamHooks(
                assignment_ids_involving=selectors.assignment_ids_involving,
                teams_with_seats=selectors.teams_with_seats,
                active_student_ids=selectors.active_student_ids,
            )
        )
