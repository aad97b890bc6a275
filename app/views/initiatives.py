"""主な取組: departments enter and submit their cycle's main initiatives; reviewers approve or return them and write
the strategy outline and the cycle's conclusions. Every rule and check lives in the services."""
import streamlit as st

from app import session, ui
from kpi.domain.formatting import format_number
from kpi.domain.initiatives import BASE_KIND_LABELS_JA, MAX_PHOTOS, BaseKind, InitiativeInput, PhotoRefused
from kpi.domain.workflow import STATE_LABELS_JA, Action, Role, State, WorkflowError
from kpi.services import initiatives, narrative
from kpi.services.actors import Forbidden
from kpi.services.initiatives import InitiativeRefused, PhotoUpload
from kpi.services.narrative import ConclusionsInput, Finding, NarrativeRefused, OutlineInput
from kpi.services.permissions import actions_for

MESSAGE = "initiatives.message"  # the outcome of the last action, shown after the rerun
EDITING = "initiatives.editing"  # the initiative chosen for editing (None: a new one)
SEEN = "initiatives.seen_versions"  # initiative id → version shown on the last run
MAX_FINDINGS = 4

actor = ui.logged_in()
st.title("主な取組")
cycle = ui.cycle_picker(actor, prefer="open")
if cycle is None:
    st.stop()
fy = cycle["fiscal_year"]
message = st.session_state.pop(MESSAGE, None)
if message:
    (st.success if message[0] == "ok" else st.error)(message[1])


def act(fn, ok_text: str, forget: str | None = None) -> bool:
    """Run a service call; a refusal is shown where the person is (what they typed stays), success after a rerun
    (forget: a session key to drop then, e.g. the version a saved form was based on)."""
    try:
        fn()
    except (InitiativeRefused, NarrativeRefused) as exc:
        st.error("保存できませんでした。次の点を直してください。\n\n" + "\n".join(f"- {ui.md(str(e))}" for e in exc.errors))
        return False
    except (WorkflowError, PhotoRefused, Forbidden) as exc:
        st.error(str(exc))
        return False
    st.session_state[MESSAGE] = ("ok", ok_text)
    if forget:
        st.session_state.pop(forget, None)
    session.clear_caches()
    st.rerun()
    return True


def lines(text: str | None) -> tuple[str, ...]:
    return tuple(t for t in (text or "").splitlines() if t.strip())


rows = initiatives.list_for(actor, fy)
# The versions the person saw: an action (提出, 承認 …) is checked against the version shown on the run before the
# click, not the one read on the rerun that handles it (which would let a change made in between pass unseen).
seen_versions = st.session_state.get(SEEN, {})
st.session_state[SEEN] = {r["initiative_id"]: r["version"] for r in rows}


def seen(initiative_id: int) -> int:
    return seen_versions.get(initiative_id, by_id[initiative_id]["version"])


def can(row: dict) -> list[Action]:
    """The actions the workflow table lets this person take on the initiative (the buttons shown)."""
    return actions_for(actor, row["state"], row["department_code"])


areas = {a["code"]: a["label"] for a in initiatives.area_codes()}
is_editor, is_reviewer = actor.has(Role.EDITOR), actor.has(Role.REVIEWER)
# Reviewers have two more tabs, each run and drawn only while open (their fields keep what is typed while hidden,
# KEEP); 取組 is always drawn, so an editor's unsent entry and chosen photos survive a look at another tab. Editors
# see 取組 alone, without a bar of one tab.
KEEP = ui.KEEP_TYPED
tabs = st.tabs(["取組", "戦略の概要", "まとめ"], key="init_tab", on_change="rerun") if is_reviewer else [st.container()]

with tabs[0]:
    if rows:
        ui.table([{"ID": r["initiative_id"], "分野": r["area_label"], "取組名": r["title"], "時期": r["period_text"] or "",
                   "数値": r["figure_sentence"] or "", "継続": "※継続取組" if r["continued"] else "",
                   "担当課": r["department_name"], "状態": STATE_LABELS_JA[State(r["state"])],
                   "審査コメント": r["review_comment"] or ""} for r in rows])
    else:
        st.info("この年度の取組はまだ登録されていません。")
    by_id = {r["initiative_id"]: r for r in rows}

    if is_editor:
        st.subheader("取組の入力", divider="gray")
        editable = [r["initiative_id"] for r in rows if Action.SAVE in can(r)]
        chosen = st.selectbox("編集する取組", [None, *editable], key=EDITING,
                              format_func=lambda i: "（新しい取組）" if i is None else f"{i}: {by_id[i]['title']}")
        old = by_id.get(chosen) or {}
        if old.get("review_comment") and old.get("state") == "returned":
            st.warning(f"差戻しコメント: {old['review_comment']}")
        depts = initiatives.my_departments(actor)
        k = f"init.{chosen or 'new'}"
        # the version the form's fields were filled from (kept while the person types; a save checks it)
        base_version = st.session_state.setdefault(f"{k}.base_version", old.get("version"))
        with st.form(f"{k}.form"):
            dept = st.selectbox("担当課", list(depts), format_func=depts.get, key=f"{k}.dept",
                                disabled=bool(old)) if depts else None
            area = st.selectbox("分野", list(areas), format_func=areas.get, key=f"{k}.area",
                                index=list(areas).index(old["area_code"]) if old.get("area_code") in areas else 0)
            title = st.text_input("取組名", value=old.get("title", ""), key=f"{k}.title")
            period = st.text_input("時期（例: 6月、10月～）", value=old.get("period_text") or "", key=f"{k}.period")
            points = st.text_area("内容（1行に1項目）", value="\n".join(old.get("points") or ()), key=f"{k}.points")
            c1, c2, c3 = st.columns(3)
            label = c1.text_input("数値の説明（例: 申請件数）", value=old.get("figure_label") or "", key=f"{k}.label")
            figure = c2.text_input("数値（例: 176,679件）", key=f"{k}.figure",
                                   value="" if old.get("figure_value") is None else format_number(old["figure_value"]))
            unit = c3.text_input("単位", value=old.get("figure_unit") or "", key=f"{k}.unit")
            c4, c5 = st.columns(2)
            kinds = [k_.value for k_ in BaseKind]
            kind = c4.radio("比較の基準", kinds, format_func=lambda v: BASE_KIND_LABELS_JA[BaseKind(v)],
                            index=kinds.index(old["base_kind"]) if old.get("base_kind") in kinds else 0,
                            key=f"{k}.kind", horizontal=True)
            base = c5.text_input("基準の数値（前年比・割合はアプリが計算します）", key=f"{k}.base",
                                 value="" if old.get("base_value") is None else format_number(old["base_value"]))
            continued = st.checkbox("前年度からの継続取組（※継続取組）", value=bool(old.get("continued")),
                                    key=f"{k}.continued")
            ui.uploader_in_japanese()
            uploads = st.file_uploader(f"写真（PNG・JPEG、3MBまで、{MAX_PHOTOS}枚まで）", type=["png", "jpg", "jpeg"],
                                       accept_multiple_files=True, key=f"{k}.photos")
            captions = st.text_area("写真の説明（写真の順に1行ずつ）", key=f"{k}.captions")
            saved = st.form_submit_button("下書き保存", type="primary")
        if saved:
            raw = InitiativeInput(area, title, period, tuple(points.splitlines()), label, figure, unit, base, kind,
                                  continued)
            caps = (captions or "").splitlines()
            photos = [PhotoUpload(u.name, u.getvalue(), caps[n] if n < len(caps) else None)
                      for n, u in enumerate(uploads or ())]
            act(lambda: initiatives.save(actor, fy, dept or "", raw, initiative_id=chosen,
                                         expected_version=base_version, photos=photos),
                f"取組「{title.strip()}」を下書き保存しました。", forget=f"{k}.base_version")
        drafts = [r["initiative_id"] for r in rows if Action.SUBMIT in can(r)]
        if drafts:
            st.subheader("提出", divider="gray")
            to_submit = st.selectbox("提出する取組", drafts, key="init.submit_choice",
                                     format_func=lambda i: f"{i}: {by_id[i]['title']}")
            if st.button("提出する", key="init.submit"):
                r = by_id[to_submit]
                act(lambda: initiatives.submit(actor, to_submit, seen(to_submit)), f"取組「{r['title']}」を提出しました。")

    if is_reviewer:
        st.subheader("審査", divider="gray")
        pending = [r["initiative_id"] for r in rows if {Action.APPROVE, Action.RETURN, Action.REOPEN} & set(can(r))]
        if not pending:
            st.info("審査待ちの取組はありません。")
        else:
            pick = st.selectbox("取組", pending, key="init.review_choice", format_func=lambda i: (
                f"{i}: {by_id[i]['title']}（{STATE_LABELS_JA[State(by_id[i]['state'])]}）"))
            r = by_id[pick]
            st.markdown(f"**{ui.md(r['area_label'] or '')}**　{ui.md(r['title'])}"
                        + (f"（{ui.md(r['period_text'])}）" if r["period_text"] else ""))
            for p in r["points"]:
                st.markdown(f"- {ui.md(p)}")
            if r["figure_sentence"]:
                st.markdown(f"▶ {ui.md(r['figure_sentence'])}")
            for ph in initiatives.photos(actor, pick) if r["photo_count"] else ():
                st.image(ph["content"], caption=ph["caption"] or None, width=320)
            comment = st.text_area("コメント（差戻し・承認取消には必須）", key=f"init.comment.{pick}")
            actions = can(r)
            if Action.APPROVE in actions or Action.RETURN in actions:
                b1, b2 = st.columns(2)
                if Action.APPROVE in actions and b1.button("承認", key="init.approve", type="primary"):
                    act(lambda: initiatives.approve(actor, pick, seen(pick)), f"取組「{r['title']}」を承認しました。")
                if Action.RETURN in actions and b2.button("差戻し", key="init.return"):
                    act(lambda: initiatives.return_initiative(actor, pick, seen(pick), comment),
                        f"取組「{r['title']}」を差し戻しました。")
            elif Action.REOPEN in actions and st.button("承認取消", key="init.reopen"):
                act(lambda: initiatives.reopen(actor, pick, seen(pick), comment),
                    f"取組「{r['title']}」の承認を取り消しました。")



def outline_tab() -> None:
    o = narrative.get_outline(actor, fy)
    st.caption(f"{o.get('strategy_name') or ''}の概要（戦略の版ごとに1つ。公表資料の「戦略の概要」スライドになります）")
    with st.container(border=True, key="outline.form"):
        purpose = st.text_area("戦略策定趣旨", value=o.get("purpose") or "", key="outline.purpose", **KEEP)
        period = st.text_input("戦略期間", value=o.get("period_text") or "", key="outline.period", **KEEP)
        vision = st.text_area("目指す姿", value=o.get("vision") or "", key="outline.vision", **KEEP)
        players = st.text_area("戦略の対象となるプレイヤー（1行に1つ）", value="\n".join(o.get("players") or ()),
                               key="outline.players", **KEEP)
        approach = st.text_input("実現に向けた県の取組", value=o.get("approach") or "", key="outline.approach", **KEEP)
        notes = {p["no"]: st.text_input(f"{p['no']}.{p['name']} の説明", key=f"outline.pillar.{p['no']}",
                                        value=(o.get("pillar_notes") or {}).get(p["no"], ""), **KEEP)
                 for p in o["pillars"]}
        bodies = st.text_area("推進体制（1行に1つ）", value="\n".join(o.get("bodies") or ()), key="outline.bodies", **KEEP)
        if st.button("戦略の概要を保存", type="primary", key="outline.save"):
            raw = OutlineInput(purpose, period, vision, approach, lines(players), notes, lines(bodies))
            act(lambda: narrative.save_outline(actor, fy, raw, expected_version=o.get("version")),
                "戦略の概要を保存しました。")


def conclusions_tab() -> None:
    c = narrative.get_conclusions(actor, fy) or {}
    st.caption("この年度のまとめ（公表資料の最後のスライドになります）")
    with st.container(border=True, key="conclusions.form"):
        ctitle = st.text_input("表題（例: 戦略の見直しへ）", value=c.get("title") or "", key="conclusions.title", **KEEP)
        lead = st.text_input("前文", value=c.get("lead") or "", key="conclusions.lead", **KEEP)
        found = list(c.get("findings") or ())
        findings = []
        for n in range(max(MAX_FINDINGS, len(found))):
            f = found[n] if n < len(found) else {}
            h = st.text_input(f"見出し{n + 1}", value=f.get("heading") or "", key=f"conclusions.h{n}", **KEEP)
            pts = st.text_area(f"見出し{n + 1}の項目（1行に1つ）", value="\n".join(f.get("points") or ()),
                               key=f"conclusions.p{n}", **KEEP)
            findings.append(Finding(h, lines(pts)))
        direction = st.text_area("今後の方向性", value=c.get("direction") or "", key="conclusions.direction", **KEEP)
        if st.button("まとめを保存", type="primary", key="conclusions.save"):
            raw = ConclusionsInput(ctitle, lead, tuple(findings), direction)
            act(lambda: narrative.save_conclusions(actor, fy, raw, expected_version=c.get("version")),
                "まとめを保存しました。")


if is_reviewer:
    ui.draw_open(((tabs[1], outline_tab), (tabs[2], conclusions_tab)))
