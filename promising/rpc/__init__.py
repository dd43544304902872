"""The gRPC edge: servicer, proto ↔ domain conversion, error → status mapping, the server.

`server.py` runs `PromisingServer` as a process; tests build one in-process on port 0.
"""

from promising.rpc.service import PromisingServer, ServerOptions
from promising.rpc.servicer import SERVICE_NAME, PromisingServicer

__all__ = ["SERVICE_NAME", "PromisingServer", "PromisingServicer", "ServerOptions"]
