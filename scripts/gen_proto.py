"""Generate the gRPC stubs (and typed .pyi) from proto/ into the source tree.

The generated modules land in promising/v1/ (ignored by git): the proto package is
`promising.v1`, so the Python import path matches it exactly.

Imports resolve against two bundled trees, so no network is needed: grpc_tools' copy of the
well-known types (google/protobuf) and googleapis-common-protos (google/type, google/rpc).
`--deps DIR` also copies the googleapis files our protos import into DIR, for `buf lint`.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil
import sys

import google.type.date_pb2
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parent.parent
WELL_KNOWN = pathlib.Path(protoc.__file__).parent / "_proto"
GOOGLEAPIS = pathlib.Path(google.type.date_pb2.__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent  # mypy-protobuf's plugins sit beside the interpreter
IMPORT = re.compile(r'^import\s+"(google/(?:type|rpc)/[^"]+)";', re.MULTILINE)


def googleapis_imports(protos: list[pathlib.Path]) -> set[str]:
    """The googleapis files our protos import (google/protobuf comes with buf and protoc)."""
    found: set[str] = set()
    for proto in protos:
        found.update(IMPORT.findall(proto.read_text()))
    return found


def copy_deps(protos: list[pathlib.Path], out: pathlib.Path) -> None:
    """Copy the imported googleapis protos into `out` (a buf module of dependencies)."""
    for name in sorted(googleapis_imports(protos)):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(GOOGLEAPIS / name, target)


def generate(protos: list[pathlib.Path]) -> int:
    names = sorted(str(p.relative_to(ROOT / "proto")) for p in protos)
    args = [
        "protoc",
        f"--proto_path={ROOT / 'proto'}",
        f"--proto_path={WELL_KNOWN}",
        f"--proto_path={GOOGLEAPIS}",
        f"--plugin=protoc-gen-mypy={BIN / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={BIN / 'protoc-gen-mypy_grpc'}",
        f"--python_out={ROOT}",
        f"--grpc_python_out={ROOT}",
        f"--mypy_out={ROOT}",
        f"--mypy_grpc_out={ROOT}",
        *names,
    ]
    code = protoc.main(args)
    if code != 0:
        print(f"gen_proto: protoc failed with exit code {code}", file=sys.stderr)
        return code
    for package in {pathlib.Path(p).parent for p in names}:
        (ROOT / package / "__init__.py").touch()
    print(f"gen_proto: generated stubs for {len(names)} file(s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deps", type=pathlib.Path, help="only copy imported googleapis protos")
    args = parser.parse_args(argv)
    protos = sorted((ROOT / "proto").rglob("*.proto"))
    if args.deps is not None:
        copy_deps(protos, args.deps)
        return 0
    if not protos:
        print("gen_proto: no .proto files under proto/; nothing to generate")
        return 0
    return generate(protos)


if __name__ == "__main__":
    sys.exit(main())
