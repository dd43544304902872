"""The gRPC server process: `python -m server --snapshot DIR --data-dir DIR [--host H] [--port N]`.

It listens at once (health NOT_SERVING), prints `listening on HOST:PORT` (port 0 picks a free
port), loads the snapshot, replays the journal, then serves (health SERVING). After live
refreshes (SupplyAdminService, `--watch DIR`) a restart comes back on the snapshot and deltas
last applied, which the journal names; `--snapshot` is where a fresh journal starts. SIGTERM or
SIGINT stops it gracefully: new calls are refused, running ones finish, the journal is
committed and closed. Nothing imports this module; the reusable parts live in promising.rpc.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from promising.model import SupplyModel
from promising.refresh.watch import Watcher
from promising.rpc import PromisingServer, ServerOptions

log = logging.getLogger("promising.server")

GRACE_SECONDS = 5.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, required=True, help="snapshot directory")
    parser.add_argument("--data-dir", type=Path, required=True, help="journal directory")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=50051, help="port; 0 picks a free one")
    parser.add_argument("--workers", type=int, default=ServerOptions.workers)
    parser.add_argument(
        "--max-concurrent-rpcs", type=int, default=ServerOptions.max_concurrent_rpcs
    )
    parser.add_argument("--max-message-bytes", type=int, default=ServerOptions.max_message_bytes)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument(
        "--watch", type=Path, help="apply snapshot and delta folders dropped into this directory"
    )
    parser.add_argument(
        "--watch-interval", type=float, default=1.0, help="seconds between looks at --watch"
    )
    parser.add_argument(
        "--refresh-nice",
        type=int,
        default=ServerOptions.refresh_nice,
        help="CPU priority of snapshot and delta builds (higher: quotes first; 0: fastest)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    options = ServerOptions(
        host=args.host,
        port=args.port,
        workers=args.workers,
        max_concurrent_rpcs=args.max_concurrent_rpcs,
        max_message_bytes=args.max_message_bytes,
        refresh_nice=args.refresh_nice,
    )
    server = PromisingServer(options)
    server.start()
    print(f"listening on {server.address}", flush=True)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    failure: list[BaseException] = []
    watchers: list[Watcher] = []
    loader = threading.Thread(
        target=_load, args=(server, args, failure, stop, watchers), name="loader", daemon=True
    )
    loader.start()
    while not stop.wait(0.5):
        pass
    for watcher in watchers:
        watcher.stop()
    server.stop(GRACE_SECONDS)
    if failure:
        print(f"error: {failure[0]}", file=sys.stderr, flush=True)
        return 2
    log.info("stopped")
    return 0


def _load(
    server: PromisingServer,
    args: argparse.Namespace,
    failure: list[BaseException],
    stop: threading.Event,
    watchers: list[Watcher],
) -> None:
    """Load the snapshot (and the deltas) last applied and replay the journal, then serve; on
    failure, stop the server."""
    try:
        # lazily: the server listens before loading
        from loaders.manifest import manifest_kind
        from loaders.sources import FileSources
        from promising.book import JOURNAL_FILE
        from promising.engine import Engine
        from promising.refresh.restore import refresh_records, restore

        sources = FileSources()
        records = refresh_records(args.data_dir / JOURNAL_FILE)
        version, notes = restore(args.snapshot, records, sources)
        for note in notes:
            log.warning("restart: %s", note)
        model = version.model
        engine = Engine(model)
        replay = server.serve(engine, args.data_dir, sources=sources, version=version)
        if args.watch is not None and server.refresher is not None:
            watcher = Watcher(args.watch, server.refresher, manifest_kind, args.watch_interval)
            server.admin.watch_path = str(watcher.directory)
            watchers.append(watcher)
            watcher.start()
    except BaseException as error:
        log.exception("cannot start serving")
        failure.append(error)
        stop.set()
        return
    log.info("snapshot %s loaded: %s", model.snapshot_id, sources.last_report)
    if model.delta_sequence:
        log.info("%d deltas applied on it (last: %s)", model.delta_sequence, version.delta_path)
    if replay.allocations_dropped or replay.allocations_moved:
        log.warning(
            "journal replay onto snapshot %s: %d allocations moved to as_of, %d dropped",
            model.snapshot_id,
            replay.allocations_moved,
            len(replay.allocations_dropped),
        )
    print(
        f"serving snapshot {model.snapshot_id} (as of {model.as_of}, {model.horizon_days} days;"
        f" journal lsn {server.reservations.lsn if server.reservations else 0},"
        f" {replay.records} records replayed)\n{example(model, server.address)}",
        flush=True,
    )


def example(model: SupplyModel, address: str) -> str:
    """A first call to try, with grpcurl and with the client, on the snapshot's first row."""
    if not model.row_count:
        return ""
    item = model.items.ids[int(model.row_item[0])]
    location = model.locations.ids[int(model.row_location[0])]
    week = model.date_of(min(6, model.horizon_days - 1))
    body = (
        f'{{"item_id": "{item}", "location_ids": ["{location}"], '
        f'"to_date": {{"year": {week.year}, "month": {week.month}, "day": {week.day}}}}}'
    )
    return (
        f"try: grpcurl -plaintext -d '{body}' {address}"
        " promising.v1.PromisingService/CheckAvailability\n"
        f"  or: promising client availability {item} -l {location} --to {week}"
        f" --address {address}"
    )


if __name__ == "__main__":
    sys.exit(main())
