"""Live refresh: new snapshots and deltas built aside and swapped in while the server answers.

    loaders (files) ─▶ Delta / SnapshotData ─▶ patch.apply_delta / snapshot_version ─▶ Version
                                                                                      │
    Refresher: build aside (caller's thread) ─▶ swap inside the journal writer ◀──────┘
               promising.remap (reservations by item, location, date; as-of roll-forward),
               rebase.absorbed_lines (committed lines the new demand carries), journal record,
               one reference assignment that quotes read through.

Two layers, so import the module you need (this package imports nothing):
- below the engine, on models only: `keys` (ids as 128-bit keys), `index` (events by id),
  `rows` (item-location rows appended), `version` (a model and its indexes), `patch` (a delta
  applied to a version). `loaders` may use these.
- above the engine and the book: `rebase`, `refresher` (`Refresher`, `Sources`), `restore`
  (the same version after a restart), `watch` (folders dropped into a directory).

See DESIGN sections 4 and 11.
"""
