"""One implementation of the achievement rate (issue #18): the exact frame (kpi.domain.rates_frame). The Fraction
code of kpi.domain.achievement is the tests' oracle: no production module (kpi, app, flows, warehouse) calls
achievement_rate or its helpers; they may use its Rate / RateStatus types."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORACLE = "kpi.domain.achievement"
TYPES = {"Rate", "RateStatus", "STATUS_MESSAGES_JA"}


def _production_modules():
    for top in ("kpi", "app", "flows", "warehouse"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if path != ROOT / "kpi" / "domain" / "achievement.py":
                yield path


def test_no_production_module_calls_the_fraction_oracle():
    found = []
    for path in _production_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == ORACLE:
                found += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names if a.name not in TYPES]
            elif isinstance(node, ast.Import) and any(a.name == ORACLE for a in node.names):
                found.append(f"{path.relative_to(ROOT)}: import {ORACLE}")
            elif isinstance(node, ast.ImportFrom) and node.module == "kpi.domain" and any(
                    a.name == "achievement" for a in node.names):
                found.append(f"{path.relative_to(ROOT)}: from kpi.domain import achievement")
    assert not found, found


def test_the_scan_sees_the_modules_that_rate():
    names = {p.name for p in _production_modules()}
    assert {"rates_frame.py", "rules.py", "evaluation.py", "summaries.py"} <= names
