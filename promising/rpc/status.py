"""Errors to gRPC statuses, once, at the server edge (DESIGN section 10).

Details travel as a google.rpc.Status in the `grpc-status-details-bin` trailer, the standard
rich-error channel every gRPC language reads: INVALID_ARGUMENT carries a BadRequest with one
field violation per bad field. An unexpected exception becomes INTERNAL with a reference to
the server log and nothing else.
"""

from __future__ import annotations

import logging
import uuid
from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from promising.errors import (
    Conflict,
    DuplicateRequest,
    FieldPath,
    InvalidInput,
    NotFound,
    Overloaded,
    Unavailable,
)

log = logging.getLogger("promising.rpc")

DETAILS_KEY = "grpc-status-details-bin"
MESSAGE_SIZE_MAX = 1000


_CODES: tuple[tuple[type[BaseException], grpc.StatusCode], ...] = (
    (InvalidInput, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFound, grpc.StatusCode.NOT_FOUND),
    (Conflict, grpc.StatusCode.FAILED_PRECONDITION),
    (DuplicateRequest, grpc.StatusCode.ALREADY_EXISTS),
    (Overloaded, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (Unavailable, grpc.StatusCode.UNAVAILABLE),
)


def rich_status(error: BaseException) -> status_pb2.Status:
    """The google.rpc.Status for an error (logging the unexpected ones)."""
    for kind, code in _CODES:
        if isinstance(error, kind):
            message = str(error)
            if len(message) > MESSAGE_SIZE_MAX:
                message = message[: MESSAGE_SIZE_MAX - 1] + "…"
            status = status_pb2.Status(code=code.value[0], message=message)
            if isinstance(error, InvalidInput) and error.violations:
                bad = error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=field_path(v.path), description=v.description
                        )
                        for v in error.violations
                    ]
                )
                detail = any_pb2.Any()
                detail.Pack(bad)
                status.details.append(detail)
            return status
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error (ref %s)", reference, exc_info=error)
    return status_pb2.Status(
        code=code_pb2.INTERNAL, message=f"internal error (ref {reference} in the server log)"
    )


class _Status(grpc.Status):
    def __init__(self, status: status_pb2.Status) -> None:
        self.code = _BY_VALUE[status.code]
        self.details = status.message
        self.trailing_metadata = ((DETAILS_KEY, status.SerializeToString()),)


_BY_VALUE = {code.value[0]: code for code in grpc.StatusCode}


def abort(context: grpc.ServicerContext, error: BaseException) -> NoReturn:
    """End the call with the status for `error`."""
    context.abort_with_status(_Status(rich_status(error)))
    raise AssertionError("abort_with_status returned")  # pragma: no cover


def status_of(error: grpc.RpcError) -> status_pb2.Status | None:
    """Client side: the rich status of a failed call, if the server sent one."""
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == DETAILS_KEY:
            return status_pb2.Status.FromString(value)
    return None


def field_path(path: FieldPath) -> str:
    """A field's path as the API spells it: ("lines", 2, "quantity") → `lines[2].quantity`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def field_violations(error: grpc.RpcError) -> list[tuple[str, str]]:
    """Client side: (field, description) of each bad field an INVALID_ARGUMENT named."""
    status = status_of(error)
    out: list[tuple[str, str]] = []
    for detail in status.details if status is not None else ():
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            out.extend((v.field, v.description) for v in bad.field_violations)
    return out
