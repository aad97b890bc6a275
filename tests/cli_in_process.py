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
from unittest import mock


def run_kpi(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """`kpi ARGS` as the CompletedProcess of a process that was given `stdin` (not a terminal) and `env` on top of
    this process's environment."""
    from kpi.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (mock.patch.dict(os.environ, env or {}), mock.patch.object(sys, "stdin", io.StringIO(stdin or "")),
          contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's wrong use: 2
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["kpi", *args], code or 0, out.getvalue(), err.getvalue())
