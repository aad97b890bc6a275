"""The `kpi` command line run in the test's own process, through the console script's entry point
(`kpi.cli.main`), with standard input, output, error and environment of its own, as a separate process would have
them; argparse's exit is its exit code. A `kpi` process costs ≈ 0.7 s of Python start and imports; the files that
run dozens of commands use this, and the other CLI tests (test_seed_reproduction, test_cycles_cli, test_backup …)
keep running the installed script as a process."""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys


def run_kpi(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`kpi ARGS` as the CompletedProcess of a process that was given `stdin` (not a terminal) and `env` on top of
    this process's environment."""
    from kpi.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = {name: os.environ.get(name) for name in (env or {})}
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _stdin(stdin or ""):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's wrong use: 2
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return subprocess.CompletedProcess(["kpi", *args], code or 0, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(text: str):
    saved, sys.stdin = sys.stdin, io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved
