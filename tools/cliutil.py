"""What the host-side Python tools (tools/explore.py, tools/qprof.py,
tools/record_cost.py, bench/pair.py) share on their command lines: bounded numbers,
default paths in the repository whatever the current directory, and stdout write errors
that fail the tool instead of passing unnoticed.  Standard library only."""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRITE_ERROR = 2   # as the C tools (tools/trace_out.c): the output is lost, not a finding


def repo_path(*parts):
    """A path in the repository, so that a default works from any directory: relative
    (short in messages and printed commands) under the current directory, else absolute."""
    p = os.path.join(ROOT, *parts)
    rel = os.path.relpath(p)
    return p if rel.startswith("..") else rel


def whole_number(text, lo, hi):
    """int(text) if text is a decimal number in lo..hi, else None (a long string of digits
    is out of range before int() sees it: Python refuses over 4300 digits)."""
    if not text.isascii() or not text.isdigit() or len(text.lstrip("0")) > len(str(hi)):
        return None
    n = int(text)
    return n if lo <= n <= hi else None


def int_arg(lo, hi):
    """An argparse type: a whole number lo..hi, anything else a usage error (exit 2)."""
    def check(text):
        n = whole_number(text, lo, hi)
        if n is None:
            raise argparse.ArgumentTypeError(f"want a whole number {lo}..{hi}, not {text!r}")
        return n
    return check


class _Guarded:
    """sys.stdout whose write errors raise OutputLost (a print() anywhere, a thread's too)."""

    def __init__(self, f):
        self._f = f

    def write(self, s):
        try:
            return self._f.write(s)
        except OSError as e:
            raise OutputLost(e) from None

    def flush(self):
        try:
            self._f.flush()
        except OSError as e:
            raise OutputLost(e) from None

    def __getattr__(self, name):
        return getattr(self._f, name)


class OutputLost(Exception):
    pass


def run_main(tool, main):
    """sys.exit(main()), but a write error on stdout (a full disk, /dev/full) is a message
    on stderr and exit status WRITE_ERROR, never a traceback or a silent 0."""
    sys.stdout = _Guarded(sys.stdout)
    try:
        status = main()
        sys.stdout.flush()
    except OutputLost as e:
        status = output_lost(tool, e)
    sys.exit(status)


def output_lost(tool, e):
    """Say that stdout failed; the status to exit with."""
    err = e.args[0]
    print(f"{tool}: cannot write the output: {err.strerror or err}", file=sys.stderr)
    # Nothing more reaches stdout: the interpreter's last flush must not fail again.
    sys.stdout = open(os.devnull, "w")
    return WRITE_ERROR
