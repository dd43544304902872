"""Generate the gRPC stubs (and typed .pyi) from proto/ into the source tree.

The generated modules land in promising/v1/ (ignored by git): the proto package is
`promising.v1`, so the Python import path matches it exactly.
"""

from __future__ import annotations

import pathlib
import sys

from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main() -> int:
    protos = sorted(str(p.relative_to(ROOT / "proto")) for p in (ROOT / "proto").rglob("*.proto"))
    if not protos:
        print("gen_proto: no .proto files under proto/; nothing to generate")
        return 0
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    args = [
        "protoc",
        f"--proto_path={ROOT / 'proto'}",
        f"--proto_path={include}",
        f"--python_out={ROOT}",
        f"--grpc_python_out={ROOT}",
        f"--mypy_out={ROOT}",
        *protos,
    ]
    code = protoc.main(args)
    if code != 0:
        print(f"gen_proto: protoc failed with exit code {code}", file=sys.stderr)
        return code
    for package in {pathlib.Path(p).parent for p in protos}:
        init = ROOT / package / "__init__.py"
        init.touch()
    print(f"gen_proto: generated stubs for {len(protos)} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
