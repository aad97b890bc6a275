"""The pure core imports no Streamlit, DuckDB or Prefect, and none of the warehouse or app packages."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import kpi.domain

FORBIDDEN = frozenset({"streamlit", "duckdb", "prefect", "warehouse", "app"})
DOMAIN_DIR = Path(kpi.domain.__file__).resolve().parent
ROOT = DOMAIN_DIR.parents[1]


def _package_of(module: str, is_package: bool) -> list[str]:
    parts = module.split(".")
    return parts if is_package else parts[:-1]


def forbidden_imports(source: str, module: str = "kpi.domain.x", is_package: bool = False) -> list[str]:
    """Return the forbidden top-level packages the source imports (statically, relatively or via importlib)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            package = _package_of(module, is_package)
            base = package[: max(len(package) - (node.level - 1), 0)] if node.level else []
            if node.module:
                names = [".".join([*base, node.module])]
            else:  # from . import x: the imported names are modules
                names = [".".join([*base, alias.name]) for alias in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
                names = [str(node.args[0].value)]
        found += [n.split(".")[0] for n in names if n.split(".")[0] in FORBIDDEN]
    return found


def _domain_modules() -> list[Path]:
    return sorted(DOMAIN_DIR.rglob("*.py"))


def _module_name(path: Path) -> tuple[str, bool]:
    rel = path.relative_to(ROOT).with_suffix("")
    is_package = rel.name == "__init__"
    parts = rel.parts[:-1] if is_package else rel.parts
    return ".".join(parts), is_package


def test_the_walk_sees_every_domain_module():
    names = {p.name for p in _domain_modules()}
    assert {"model.py", "achievement.py", "bands.py", "summary.py", "workflow.py", "formatting.py"} <= names


@pytest.mark.parametrize("path", _domain_modules(), ids=lambda p: str(p.relative_to(DOMAIN_DIR)))
def test_domain_module_imports_nothing_forbidden(path):
    module, is_package = _module_name(path)
    assert forbidden_imports(path.read_text(encoding="utf-8"), module, is_package) == []


BAD = [
    ("import streamlit as st", "streamlit"),
    ("import duckdb", "duckdb"),
    ("from duckdb import connect", "duckdb"),
    ("import prefect.flows", "prefect"),
    ("from prefect import flow, task", "prefect"),
    ("from warehouse.connection import connect", "warehouse"),
    ("import app.ui", "app"),
    ("import os, duckdb", "duckdb"),
    ("def f():\n    import streamlit\n", "streamlit"),
    ("try:\n    import prefect\nexcept ImportError:\n    pass\n", "prefect"),
    ("import importlib\nimportlib.import_module('duckdb')", "duckdb"),
    ("__import__('streamlit')", "streamlit"),
    ("from ... import warehouse", "warehouse"),  # from kpi/domain/x.py, three dots climb to the top level
]


@pytest.mark.parametrize("source, package", BAD, ids=[b[0].splitlines()[0] for b in BAD])
def test_checker_catches_a_forbidden_import(source, package):
    assert forbidden_imports(source) == [package]


GOOD = [
    "import polars as pl",
    "from kpi.domain.model import Direction",
    "from .model import Direction",
    "from . import bands",
    "import application",
    "import warehouse_tools",
    "from kpi.app_settings import x",
    "from fractions import Fraction",
    "text = 'import duckdb'",
]


@pytest.mark.parametrize("source", GOOD)
def test_checker_allows_polars_and_the_standard_library(source):
    assert forbidden_imports(source) == []


def test_importing_the_domain_loads_no_forbidden_package():
    """Catches forbidden packages pulled in indirectly, through another module."""
    modules = [_module_name(p)[0] for p in _domain_modules()]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {sorted(FORBIDDEN)!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
