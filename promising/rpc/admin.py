"""The promising.v1.SupplyAdminService handlers: load a snapshot, apply a delta, status.

Like PromisingService, handlers take and return raw bytes. A refused snapshot or delta is
INVALID_ARGUMENT with a field violation on `path` (the message names table, column and first
bad rows); a delta for another snapshot, out of sequence, or a snapshot that does not roll
forward, is FAILED_PRECONDITION. Either way the server keeps answering from what it had.
"""

from __future__ import annotations

import datetime as dt

import grpc
from google.protobuf import timestamp_pb2
from google.type import date_pb2

from promising.errors import FieldViolation, InvalidInput, NotReady, SnapshotError
from promising.refresh.rebase import RebaseSummary
from promising.refresh.refresher import Refresher, RefreshOutcome
from promising.rpc import convert
from promising.rpc.status import abort
from promising.v1 import admin_service_pb2 as pb

ADMIN_SERVICE_NAME = "promising.v1.SupplyAdminService"


def _version(outcome: RefreshOutcome) -> pb.Version:
    v = outcome.version
    return pb.Version(snapshot_id=v.snapshot_id, delta_sequence=v.delta_sequence, lsn=outcome.lsn)


def _rebase(summary: RebaseSummary) -> pb.RebaseSummary:
    return pb.RebaseSummary(
        lines_kept=summary.lines_kept,
        lines_absorbed=summary.lines_absorbed,
        allocations_moved=summary.allocations_moved,
        allocations_dropped=summary.allocations_dropped,
        item_locations_kept=summary.item_locations_kept,
    )


def _path(path: str) -> str:
    if not path:
        raise InvalidInput("path: required", [FieldViolation(("path",), "required")])
    return path


def _refused(error: SnapshotError) -> InvalidInput:
    message = f"refused, nothing applied: {error}"
    return InvalidInput(message, [FieldViolation(("path",), str(error))])


class SupplyAdminServicer:
    """Answers SupplyAdminService calls; UNAVAILABLE until `attach` gives it a refresher."""

    def __init__(self) -> None:
        self._refresher: Refresher | None = None
        self.watch_path = ""

    def attach(self, refresher: Refresher) -> None:
        self._refresher = refresher

    def detach(self) -> None:
        self._refresher = None

    @property
    def refresher(self) -> Refresher:
        refresher = self._refresher
        if refresher is None:
            raise NotReady("the server is loading its snapshot; retry shortly")
        return refresher

    def load_snapshot(self, data: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            request = convert.parse(pb.LoadSnapshotRequest, data)
            try:
                outcome = self.refresher.load_snapshot(_path(request.path))
            except SnapshotError as error:
                raise _refused(error) from None
            return pb.LoadSnapshotResponse(
                version=_version(outcome),
                rebase=_rebase(outcome.rebase),
                rows_read=outcome.rows,
                build_seconds=outcome.build_seconds,
                swap_seconds=outcome.swap_seconds,
            ).SerializeToString()
        except Exception as error:
            abort(context, error)

    def apply_delta(self, data: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            request = convert.parse(pb.ApplyDeltaRequest, data)
            try:
                outcome = self.refresher.apply_delta(_path(request.path))
            except SnapshotError as error:
                raise _refused(error) from None
            return pb.ApplyDeltaResponse(
                version=_version(outcome),
                rebase=_rebase(outcome.rebase),
                rows_applied=outcome.rows,
                item_locations_added=outcome.item_locations_added,
                build_seconds=outcome.build_seconds,
                swap_seconds=outcome.swap_seconds,
            ).SerializeToString()
        except Exception as error:
            abort(context, error)

    def get_status(self, data: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            convert.parse(pb.GetStatusRequest, data)
            refresher = self.refresher
            version = refresher.current
            model = version.model
            counts = refresher.counts()
            refreshed = timestamp_pb2.Timestamp()
            refreshed.FromNanoseconds(round(refresher.history.refreshed_at * 1e9))
            return pb.GetStatusResponse(
                version=pb.Version(
                    snapshot_id=model.snapshot_id,
                    delta_sequence=model.delta_sequence,
                    lsn=refresher.reservations.lsn,
                ),
                as_of=_date(model.as_of),
                horizon_days=model.horizon_days,
                rows=version.rows,
                item_locations=model.row_count,
                snapshot_path=version.snapshot_path,
                last_delta_path=version.delta_path,
                refreshed_time=refreshed,
                lsn=refresher.reservations.lsn,
                holds_open=counts.holds_open,
                lines_reserved=counts.lines_reserved,
                watch_path=self.watch_path,
                last_error=refresher.history.last_error,
            ).SerializeToString()
        except Exception as error:
            abort(context, error)

    def method_handlers(self) -> dict[str, grpc.RpcMethodHandler]:
        """This service's methods, served as raw bytes."""
        unary = grpc.unary_unary_rpc_method_handler
        return {
            "LoadSnapshot": unary(self.load_snapshot),
            "ApplyDelta": unary(self.apply_delta),
            "GetStatus": unary(self.get_status),
        }


def _date(day: dt.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)
