"""Signals other apps (integrations: webhooks, chat) listen to; no receivers live here.

``sla_state_changed`` is sent with ``sender=Task`` and keyword arguments ``task`` (the Task,
with ``task_type``, ``assignee`` and ``campaign`` loaded), ``old`` and ``new`` (``SlaState``
values), ``at`` (the instant of the change) and ``source`` ("sweep", "transition" or
"assignment"). It is sent inside the transaction that wrote the change — once per change,
even with two sweeps running at once — so receivers must defer side effects with
``transaction.on_commit``.
"""

from __future__ import annotations

import django.dispatch

sla_state_changed = django.dispatch.Signal()  # kwargs: task, old, new, at, source

# Sent with ``sender=Task``, ``task_ids`` (tasks whose pause passed their policy's limit and
# were resumed by the system) and ``at``, inside the transaction of the resumes: receivers
# notify MOps after commit. Without a receiver, tasks mails MOps itself.
pause_limit_reached = django.dispatch.Signal()  # kwargs: task_ids, at
