"""The state-machine base of the models whose state changes are audited (requests, tasks).

django-fsm's ``ConcurrentTransitionMixin`` remembers each instance's states so that a save finds
the row still in them (a concurrent transition is refused instead of overwritten). To do so it
filters every field of the model, on every instance it builds: a generation batch of 15,000
tasks spent about a twentieth of its time there (issue 19). Here the state fields are listed
once per model.
"""

from __future__ import annotations

from functools import cache

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin


class ConcurrentStateMixin(ConcurrentTransitionMixin):
    """``ConcurrentTransitionMixin`` with the model's state fields found once per class."""

    @property
    def state_fields(self) -> tuple[models.Field, ...]:
        return _state_fields(type(self))


@cache
def _state_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    return tuple(f for f in model._meta.fields if isinstance(f, FSMFieldMixin))
