"""The `promising` command: an edge beside `server.py`, apart from the domain.

It reads snapshots (`loaders`), runs the engine in this process (`promising`) or talks to a
running server over gRPC (`promising.v1`); nothing imports it.
"""
