"""Figures the reliability tests measure: written to artifacts/reliability/<name>.json and printed at the end
of the pytest run (a terminal-summary plugin registered by the first test that records one; under xdist the
workers hand their figures to the controlling process, tests/conftest.py)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reliability"
_recorded: dict[str, dict[str, Any]] = {}
_PLUGIN = "kpi-reliability-figures"


def record(config, name: str, figures: dict[str, Any]) -> Path:
    """Keep figures under a name, write them as JSON, and make sure they are printed at the end of the run."""
    _recorded[name] = figures
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    path.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    import sys

    if not config.pluginmanager.has_plugin(_PLUGIN):
        config.pluginmanager.register(sys.modules[__name__], _PLUGIN)
    return path


def recorded() -> dict[str, dict[str, Any]]:
    """What this process recorded (an xdist worker hands it to the controlling process)."""
    return dict(_recorded)


def absorb(config, figures: dict[str, dict[str, Any]]) -> None:
    """Take figures an xdist worker recorded, to print them at the end of the run (the JSON files are written)."""
    import sys

    _recorded.update(figures)
    if figures and not config.pluginmanager.has_plugin(_PLUGIN):
        config.pluginmanager.register(sys.modules[__name__], _PLUGIN)


def _lines(name: str, figures: dict[str, Any]) -> list[str]:
    summary = figures.get("summary")
    if isinstance(summary, list):
        return [f"{name}:"] + [f"  {line}" for line in summary]
    return [f"{name}: {json.dumps(figures, ensure_ascii=False, default=str)[:2000]}"]


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001  (pytest hook)
    if not _recorded:
        return
    terminalreporter.section("reliability figures (artifacts/reliability/*.json)")
    for name, figures in _recorded.items():
        for line in _lines(name, figures):
            terminalreporter.write_line(line)
