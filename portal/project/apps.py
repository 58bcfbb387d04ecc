from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project's top floor: jobs that span every app (`setup_schedules`). It may
    import any app; no app imports it."""

    name = "portal.project"
    label = "project"
    verbose_name = "Project"
