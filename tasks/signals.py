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
