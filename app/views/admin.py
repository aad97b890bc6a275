"""管理: departments (reviewers and administrators) and accounts (administrators)."""
import streamlit as st

from app import ui
from kpi.domain.workflow import ROLE_LABELS_JA, Role
from kpi.services import admin, directory
from kpi.services.actors import Forbidden

actor = ui.logged_in()
st.title("管理")
departments = directory.list_departments(actor)
dept_names = {d["code"]: d["name"] for d in departments}
st.subheader("所属（担当課）")
ui.table([
    {"コード": d["code"], "名称": d["name"], "指標数": d["indicators"], "例示データ": "○" if d["illustrative"] else ""}
    for d in departments
])
if not actor.has(Role.ADMIN):
    st.stop()


def run(fn, ok: str) -> None:
    """Run an administrative change and say what happened."""
    try:
        fn()
    except (admin.AdminError, Forbidden) as exc:
        st.error(str(exc))
    else:
        st.success(ok)


with st.expander("担当課の追加・名称変更"):
    with st.form("department_form"):
        code = st.text_input("担当課コード（例: GYOKAKU）", key="dept_code")
        name = st.text_input("担当課名", key="dept_name")
        if st.form_submit_button("保存"):
            run(lambda: admin.save_department(actor, code, name), f"担当課「{name}」を保存しました。")

st.subheader("利用者")
accounts = directory.list_accounts(actor)
ui.table([
    {"ログインID": u["login"], "氏名・表示名": u["display_name"],
     "役割": "・".join(ROLE_LABELS_JA[Role(r)] for r in u["roles"]),
     "担当課": "、".join(u["departments"]), "有効": "○" if u["active"] else "×",
     "ログイン制限": f"失敗が続いたため あと{u['wait_s']}秒" if u["wait_s"] else ""}
    for u in accounts
])
roles = [r.value for r in Role]
with st.expander("利用者の追加"):
    with st.form("new_account"):
        login = st.text_input("ログインID", key="new_login")
        display = st.text_input("氏名・表示名", key="new_display")
        password = st.text_input("初期パスワード（10文字以上）", type="password", key="new_password")
        new_roles = st.multiselect("役割", roles, format_func=lambda r: ROLE_LABELS_JA[Role(r)], key="new_roles",
                                   placeholder="選んでください", select_all=False)
        new_depts = st.multiselect("担当課（入力担当のみ）", list(dept_names), format_func=dept_names.get,
                                   key="new_depts", placeholder="選んでください", select_all=False)
        if st.form_submit_button("追加"):
            run(lambda: admin.create_account(actor, login, display, password, new_roles, new_depts),
                f"利用者「{login}」を追加しました。")

with st.expander("利用者の変更・パスワード再設定"):
    by_login = {u["login"]: u for u in accounts}
    who = st.selectbox("利用者", list(by_login), key="edit_login",
                       format_func=lambda x: f"{x}（{by_login[x]['display_name']}）")
    u = by_login[who]
    with st.form("edit_account"):
        e_roles = st.multiselect("役割", roles, default=u["roles"], format_func=lambda r: ROLE_LABELS_JA[Role(r)],
                                 placeholder="選んでください", select_all=False)
        e_depts = st.multiselect("担当課", list(dept_names), default=u["departments"], format_func=dept_names.get,
                                 placeholder="選んでください", select_all=False)
        e_active = st.checkbox("有効（ログインできる）", value=u["active"])
        e_email = st.text_input("メールアドレス（組織アカウントでのログイン用）", value=u.get("email") or "")
        if st.form_submit_button("変更を保存"):
            run(lambda: admin.update_account(actor, who, roles=e_roles, departments=e_depts, active=e_active,
                                             email=e_email),
                f"利用者「{who}」を変更しました。")
    if u["wait_s"]:
        st.warning(f"「{who}」はパスワードの失敗が続いたため、あと{u['wait_s']}秒ログインできません。")
    if st.button("ログイン制限を解除", key="unlock_account",
                 help="パスワードの失敗による待ち時間をなくします（この利用者の開いている画面はログアウトします）"):
        run(lambda: admin.unlock_account(actor, who), f"利用者「{who}」のログイン制限を解除しました。")
    with st.form("reset_password"):
        new_pw = st.text_input("新しいパスワード（10文字以上）", type="password")
        if st.form_submit_button("パスワードを再設定"):
            run(lambda: admin.reset_password(actor, who, new_pw), f"利用者「{who}」のパスワードを再設定しました。")
