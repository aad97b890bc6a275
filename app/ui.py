"""Small rendering helpers shared by pages (no queries, no arithmetic)."""
from __future__ import annotations

import streamlit as st

from app import session, state
from kpi.domain.cycles import CYCLE_STATE_LABELS_JA, CycleState
from kpi.domain.workflow import ROLE_LABELS_JA
from kpi.domain.formatting import fiscal_year_label
from kpi.io.export import csv_bytes
from kpi.services.actors import Actor


def logged_in() -> Actor:
    """The page's actor, with the sidebar's name, roles and logout; stops the page when logged out."""
    actor = session.current_actor()
    if actor is None:
        st.info(st.session_state.pop(state.NOTICE, None) or "ログインしてください。")
        st.stop()
    with st.sidebar:
        st.markdown(f"**{md(actor.display_name)}**")
        st.caption("・".join(ROLE_LABELS_JA[r] for r in sorted(actor.roles, key=lambda r: r.value)))
        if st.button("ログアウト", icon=":material/logout:", key="logout"):
            session.logout("ログアウトしました。")
            st.rerun()
    return actor


# The fields of a form in a tab or section that runs only while open (draw_open): no rerun per field (what is typed
# is sent with the section's button, as a form's was), and kept while the tab or section is closed (lost on leaving
# the page, as a form's unsent text was). For st.text_input(..., **ui.KEEP_TYPED) and the other entry widgets.
KEEP_TYPED = {"on_change": "ignore", "persist_state": "page"}


def draw_open(pairs) -> None:
    """Draw each (tab or expander, draw function) only while it is open: tabs and expanders made with
    on_change="rerun" know whether they are open; without it .open is None and every one is drawn."""
    for container, draw in pairs:
        with container:
            if container.open is not False:
                draw()


def md(text: str) -> str:
    """Escape Markdown so a user-supplied name renders as plain text."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~" else ch for ch in text)


def findings_csv(findings) -> bytes:
    """Findings as a sanitized CSV download."""
    return csv_bytes([{"行": f.row_no or "", "コード": f.code or "", "項目": f.field or "",
                       "重要度": "エラー" if f.severity == "error" else "警告", "内容": f.message} for f in findings])


def cycle_picker(actor: Actor, prefer: str = "approved") -> dict | None:
    """A cycle selector (newest first, each year with its state: 受付中, 締切済, 確定済), remembered in the session
    and carried in the URL (?cycle=2021 on summaries, ?fy=2021 on entry and review).

    Without a choice it starts on the newest closed or finalized cycle with approved values (prefer="approved",
    for summaries and publications: an open year's figures are not settled), else the newest with approved
    values; or on the newest open one (prefer="open", for entry and review). Summaries always carry the year in
    the URL (a view is shared as a link); entry and review carry it, under a name of their own, when it is not the
    open one, so a reload (F5, a new session) or a link stays on a finished year (its 確定値) and the open year's
    address stays plain.
    """
    cycles = session.cycles(actor)  # read with the run's session check
    if not cycles:
        st.info("集計サイクルがまだありません。管理者に初期データの読み込みを依頼してください。")
        return None
    years = [c["fiscal_year"] for c in cycles]
    states = {c["fiscal_year"]: CYCLE_STATE_LABELS_JA.get(CycleState(c["state"]), "") for c in cycles}
    remembered = f"{state.CYCLE}.{prefer}"
    shared = prefer == "approved"  # summaries carry the year in the URL so a view can be shared as a link
    if prefer == "approved":
        fits = [i for i, c in enumerate(cycles) if c["approved"] and c["state"] in ("closed", "finalized")] or \
            [i for i, c in enumerate(cycles) if c["approved"]]
    else:
        fits = [i for i, c in enumerate(cycles) if c["state"] == "open"]
    default = years[fits[0] if fits else 0]
    param = "cycle" if shared else "fy"  # a summary's ?cycle= never moves an entry page off the open year
    wanted = st.query_params.get(param) or st.session_state.get(remembered)
    index = years.index(int(wanted)) if wanted and str(wanted).isdigit() and int(wanted) in years \
        else years.index(default)
    fy = st.selectbox("年度", years, index=index, format_func=lambda y: f"{fiscal_year_label(y)}・{states[y]}",
                      key=f"cycle_select.{prefer}")
    st.session_state[remembered] = fy
    if shared or fy != default:
        st.query_params[param] = str(fy)
    elif param in st.query_params:
        del st.query_params[param]
    return cycles[years.index(fy)]


def _blank_missing(rows: list[dict]) -> list[dict]:
    """Missing cells as empty text (st.dataframe would print them as the English word None)."""
    return [{k: ("" if v is None else v) for k, v in r.items()} for r in rows]


def table(rows: list[dict], **kwargs) -> None:
    """A read-only table without the toolbar download (exports go through the sanitized writer)."""
    st.dataframe(_blank_missing(rows), hide_index=True, width="stretch", on_select="ignore", **kwargs)



def indicator_columns(rate_help: str, *, reason_width: int = 150) -> dict:
    """Column settings of indicator tables, in pixels so that indicator, value, target, rate, band, reason and code
    fit the main area of a 1440 px window (about 978 px beside the sidebar, row markers included)."""
    return {"指標": st.column_config.TextColumn("指標", width=240, pinned=True),
            "値": st.column_config.TextColumn("値", width=90), "目標値": st.column_config.TextColumn("目標値", width=90),
            "達成率": st.column_config.TextColumn("達成率", width=140, help=rate_help),
            "達成区分": st.column_config.TextColumn("達成区分", width=120),
            "要因": st.column_config.TextColumn("要因", width=reason_width,
                                              help="全文は行を選ぶと開く「指標」ページにあります"),
            "コード": st.column_config.TextColumn("コード", width=80),
            "柱": st.column_config.NumberColumn("柱", width=40), "項目": st.column_config.NumberColumn("項目", width=40)}


# The columns 指標一覧 shows (the rest of each row is in its 指標 page and in the CSV/Excel downloads)
LIST_COLUMNS = ("指標", "値", "目標値", "達成率", "達成区分", "要因", "コード")


def band_table_columns() -> dict:
    """Column settings of the seed's band table (sections and the five bands), fitting a 1440 px window."""
    from kpi.domain.bands import BAND_ORDER

    return {"項目・指標": st.column_config.TextColumn("項目・指標", width=300),
            "指標数": st.column_config.TextColumn("指標数", width=95),
            **{b.label_ja: st.column_config.TextColumn(b.label_ja, width=115) for b in BAND_ORDER}}


def clickable_table(rows: list[dict], *, key: str, **kwargs) -> int | None:
    """A read-only table whose rows can be chosen (one at a time); the chosen row's index, or None."""
    event = st.dataframe(_blank_missing(rows), hide_index=True, width="stretch", on_select="rerun",
                         selection_mode="single-row",
                         key=key, **kwargs)
    chosen = event.selection.rows if event is not None else []
    return chosen[0] if chosen else None


def uploader_in_japanese() -> None:
    """Relabel st.file_uploader in Japanese: its button text (Upload) and size line (10MB per file • XLSX) are
    built in and no parameter changes them (README, Japanese only); the label states the kinds and limit."""
    st.html("""<style>
[data-testid="stFileUploaderDropzoneInstructions"] {display: none;}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {display: none;}
[data-testid="stFileUploaderDropzone"] button::after {content: "ファイルを選択";}
</style>""")
