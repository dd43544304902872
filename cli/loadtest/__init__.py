"""`promising loadtest`: a load generator for a running server, in the spirit of ghz.

spec.py         the workload (flags and TOML): mix, sizes, skew, rate or callers, duration
catalogue.py    the items to ask for: the server's own snapshot, found through GetStatus
draw.py         the random calls (uniform or Zipf items), with ids unique to the run
send.py         one call, blocking or as a future, recorded when it finishes
open_loop.py    a fixed schedule; latency from the intended send time
closed_loop.py  N callers, each waiting for its answer
recorder.py     HDR histograms, errors by status code, the timeline
release.py      releasing what the run's HOLD and COMMIT calls reserved
report.py       the JSON document, the tables, the ratios against a baseline
plot.py         the PNG: latency over time and the percentile curve
run.py          one load test, start to finish, as a function (for the benchmark harness)
command.py      the command: flags, output
"""
