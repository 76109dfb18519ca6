#!/usr/bin/env python3
"""Evicts files from the page cache, so that the next read of them comes from the disk.

A cold-load measurement (tools/bench-vs-peer.sh) needs the model file out of memory without
`echo 3 > /proc/sys/vm/drop_caches`, which needs root and empties the cache of every other
process on a shared machine. posix_fadvise(POSIX_FADV_DONTNEED) drops only this file's clean
pages; pages another process has mapped stay (the kernel cannot drop mapped pages), which is
why the script reports how much of each file is still resident afterwards (fincore, when
util-linux has it).

usage: tools/evict-page-cache.py FILE...
"""
import os
import shutil
import subprocess
import sys


def evict(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)  # dirty pages cannot be dropped; model files are never dirty
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    for path in sys.argv[1:]:
        try:
            evict(path)
        except OSError as e:
            print(f"error: {path}: {e.strerror}", file=sys.stderr)
            return 1
    if shutil.which("fincore"):
        subprocess.run(["fincore", *sys.argv[1:]], check=False, stdout=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
