"""Shared fixtures of the Python package's tests: the built binaries (DSKIT_BIN, set by ctest) and helpers to
make trees."""
import os
import shutil
import subprocess

import pytest

BIN = os.environ.get("DSKIT_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))


def tool(name, *args, **kw):
    """Runs a dskit binary; returns its stdout (bytes). Raises on a non-zero exit."""
    return subprocess.run([os.path.join(BIN, name), *map(os.fsencode, args)], check=True,
                          stdout=subprocess.PIPE, **kw).stdout


def unescape(cell: bytes) -> bytes:
    """The manifest field escapes (man/dskit-manifest.5), decoded independently of dskit."""
    out, i = bytearray(), 0
    while i < len(cell):
        c = cell[i]
        if c == 0x5C:
            n = cell[i + 1:i + 2]
            if n == b"x":
                out.append(int(cell[i + 2:i + 4], 16))
                i += 4
                continue
            out += {b"\\": b"\\", b"t": b"\t", b"n": b"\n", b"r": b"\r"}[n]
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def touch(path, data=b""):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


@pytest.fixture
def tree(tmp_path):
    return tmp_path


def have_tool(name):
    return shutil.which(name) is not None
