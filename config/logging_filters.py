"""A 403 is an answer, not a fault: log it at INFO in one line, without the traceback."""

from __future__ import annotations

import logging


class ForbiddenAsInfo(logging.Filter):
    """On ``django.request``: records of 403 responses drop to INFO and lose their exc_info."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            record.exc_info, record.exc_text = None, None
        return True


def install() -> None:
    """Attach the filter to Django's request logger (after settings.LOGGING was applied)."""
    logger = logging.getLogger("django.request")
    if not any(isinstance(f, ForbiddenAsInfo) for f in logger.filters):
        logger.addFilter(ForbiddenAsInfo())
