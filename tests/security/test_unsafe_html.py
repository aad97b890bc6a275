"""User text is never rendered as HTML: every `unsafe_allow_html=True` (and st.html / components.html) in app/
only ever receives constant markup or text passed through html.escape."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ESCAPES = {"html.escape", "escape", "ui.escape_html"}
HTML_SINKS = {"st.html", "html", "components.html", "st.components.v1.html"}


def _escaped(node: ast.AST) -> bool:
    """Constant text, an escape call, or an f-string / concatenation / join of those."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Call) and ast.unparse(node.func) in ESCAPES:
        return True
    if isinstance(node, ast.JoinedStr):
        return all(_escaped(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _escaped(node.left) and _escaped(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
        return _escaped(node.func.value) and all(
            _escaped(a.elt) if isinstance(a, (ast.GeneratorExp, ast.ListComp)) else _escaped(a) for a in node.args)
    return False


def unescaped_html(source: str, name: str = "<app>") -> list[str]:
    """file:line of every HTML sink that may receive unescaped text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        unsafe = any(k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                     for k in node.keywords)
        if unsafe or ast.unparse(node.func) in HTML_SINKS:
            body = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("body", "html")), None)
            if body is None or not _escaped(body):
                found.append(f"{name}:{node.lineno}: {ast.unparse(node)[:100]}")
    return found


def test_every_html_sink_in_the_app_gets_escaped_text():
    found = []
    files = sorted((ROOT / "app").rglob("*.py"))
    assert len(files) >= 10
    for path in files:
        found += unescaped_html(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == [], "user text could render as HTML:\n" + "\n".join(found)


def test_the_check_flags_unescaped_text_and_accepts_escaped_text():
    assert unescaped_html('st.markdown(f"<b>{reason}</b>", unsafe_allow_html=True)')
    assert unescaped_html("st.markdown(reason, unsafe_allow_html=True)")
    assert unescaped_html("st.html(comment)")
    assert unescaped_html('st.caption("<i>" + name + "</i>", unsafe_allow_html=True)')
    assert not unescaped_html('st.markdown(f"<b>{html.escape(reason)}</b>", unsafe_allow_html=True)')
    assert not unescaped_html('st.markdown("<hr>", unsafe_allow_html=True)')
    assert not unescaped_html("st.markdown(reason)")  # Streamlit shows HTML in markdown as text unless told otherwise
