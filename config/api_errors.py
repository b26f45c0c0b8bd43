"""One place that turns domain errors into API answers with a JSON body.

ValidationError -> 400 with field errors, PermissionDenied -> 403, Http404 -> 404,
Conflict (and its subclasses in tasks/) / TransitionNotAllowed / ConcurrentTransition -> 409.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from campaigns.services import Conflict

CONFLICT_ERRORS: tuple[type[Exception], ...] = (Conflict, TransitionNotAllowed, ConcurrentTransition)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = {k: v for k, v in exc.message_dict.items()}
        else:
            body = {"detail": " ".join(exc.messages)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, CONFLICT_ERRORS):
        return Response({"detail": str(exc), "code": "conflict"}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)
