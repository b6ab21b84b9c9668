"""A process's own peak resident memory, and `python -m fullpicture.tools.peak_memory <command>`:
a `fullpicture` command run in this process, its peak memory told on its last line of stderr.

Why not `ru_maxrss` from `wait4`: Linux carries the high-water mark of the memory a process
replaced with `exec` into its own, so a projector started by a bench process that held 250 MB
reported 250 MB whatever it used itself (three projectors at 200,000 events: 251.0, 251.0 and
251.0 MB; sampled from `/proc`, the one-process run peaked at ~203). `VmHWM` in `/proc/self/status`
belongs to the process's own address space, made new by `exec`.
"""

from __future__ import annotations

import resource
import sys

PEAK_LINE = "peak_rss_mb "


def peak_rss_mb() -> float:
    """This process's peak resident memory (MB), as the kernel counts it for its address space."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def peak_from_stderr(stderr: str) -> float:
    """The peak a command run through this module told (its last such line)."""
    for line in reversed(stderr.splitlines()):
        if line.startswith(PEAK_LINE):
            return float(line[len(PEAK_LINE) :])
    raise ValueError("the command did not tell its peak memory")


def run_command(argv: list[str]) -> None:
    """`python -m fullpicture.cli <argv>` in this process, then its peak told on stderr."""
    import runpy

    sys.argv = ["fullpicture", *argv]
    try:
        runpy.run_module("fullpicture.cli", run_name="__main__", alter_sys=True)
    finally:
        print(f"{PEAK_LINE}{peak_rss_mb()}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    run_command(sys.argv[1:])
