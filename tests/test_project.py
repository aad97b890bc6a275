"""Structural checks that keep the map honest: quick start, CI, packaging, layering, documentation."""
from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from kpi.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PYTHON_DIRS = ("kpi", "warehouse", "flows", "app")


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return [line.strip() for b in blocks for line in b.splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_has_exactly_two_commands():
    assert _quick_start_commands() == ["bash scripts/run.sh", "bash scripts/test.sh"]


def test_ci_runs_the_readme_test_command_word_for_word():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.startswith(("#", "set ", "cd "))]
    assert commands == [_quick_start_commands()[1]]


def test_pyproject_declares_the_kpi_script_a_dev_extra_and_bounded_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["kpi"] == "kpi.cli:main"
    assert "dev" in project["optional-dependencies"]
    for dep in project["dependencies"] + project["optional-dependencies"]["dev"]:
        if dep.startswith("pyarrow"):
            continue  # follows Streamlit's own pin
        assert ">=" in dep and "<" in dep, f"{dep} should be pinned to a compatible range"


def test_every_cli_command_is_documented_in_the_readme():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`kpi {name}" in README, f"kpi {name} is not documented in README.md"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _py_files(*dirs: str):
    for d in dirs:
        yield from (ROOT / d).rglob("*.py")


def test_only_the_warehouse_imports_duckdb():
    offenders = [str(p.relative_to(ROOT)) for p in _py_files("kpi", "flows", "app") if "duckdb" in _imports(p)]
    assert offenders == []


def test_only_the_connection_module_opens_a_database_file():
    openers = [str(p.relative_to(ROOT)) for p in _py_files(*PYTHON_DIRS)
               if "duckdb.connect(" in p.read_text(encoding="utf-8")]
    assert openers == ["warehouse/connection.py"]


def test_pages_do_not_touch_the_warehouse():
    for page in (ROOT / "app").rglob("*.py"):
        assert not _imports(page) & {"duckdb", "warehouse"}, f"{page.name} reaches past the services"


def test_every_page_file_named_by_the_entrypoint_exists():
    source = (ROOT / "app" / "streamlit_app.py").read_text(encoding="utf-8")
    names = re.findall(r'PAGES / "([a-z_]+\.py)"', source)
    assert names, "the entrypoint names no pages"
    for name in names:
        assert (ROOT / "app" / "views" / name).exists(), name


def test_session_state_keys_are_named_in_one_place():
    """Pages use the constants of app/state.py rather than string keys of their own."""
    for page in (ROOT / "app" / "views").glob("*.py"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"session_state\[\s*['\"]", text), f"{page.name} names a session key inline"


def _module_graph() -> dict[str, set[str]]:
    """Our modules (kpi, warehouse, flows, app) → the modules of ours each imports, lazy imports inside functions
    included (a cycle hidden in a function is still a cycle: each side needs the other to be importable)."""
    modules = {}
    for path in _py_files(*PYTHON_DIRS):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path

    def ours(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {ours(a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                targets |= {ours(f"{base}.{a.name}") or ours(base) for a in node.names}
        graph[name] = {t for t in targets if t and t != name}
    return graph


def test_one_runner_decides_how_a_job_runs():
    """Only kpi.platform.runner starts flow runs for the app and the CLI (the collector only warms Prefect up);
    flows import services, never the other way round."""
    graph = _module_graph()
    starters = sorted(m for m, deps in graph.items() if m.startswith(("kpi.", "app.", "app"))
                      and any(d == "flows" or d.startswith("flows.") for d in deps))
    assert starters == ["kpi.platform.collector", "kpi.platform.runner"]
    deciders = sorted(str(p.relative_to(ROOT)) for p in _py_files(*PYTHON_DIRS)
                      if "def prefect_available" in p.read_text(encoding="utf-8"))
    assert deciders == ["kpi/platform/runner.py"]


def test_no_page_sleeps_on_the_session_thread():
    """A page waits for background work with st.fragment(run_every=…), never by sleeping in the script run."""
    sleepers = [str(p.relative_to(ROOT)) for p in (ROOT / "app").rglob("*.py")
                if re.search(r"\bsleep\(", p.read_text(encoding="utf-8"))]
    assert sleepers == []
