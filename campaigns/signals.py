"""Signals campaigns sends for higher apps (integrations hears them; no upward import)."""

from django.dispatch import Signal

# Sent on commit after a comment is saved on a request or a task.
# kwargs: kind ("request" | "task"), obj (the request or task), comment, mentioned (user ids), by
comment_posted = Signal()

# Sent on commit after a comment is deleted (the tombstone stays). kwargs: kind, comment.
# Integrations drop the words from the in-app notices that quoted it.
comment_deleted = Signal()
