"""The task fixtures (types, template, people, a generated campaign) reused, not copied."""

from tests.tasks.conftest import approved, generated, people, task_types, template, work_roles  # noqa: F401
