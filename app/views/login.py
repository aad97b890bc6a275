"""ログイン: local accounts with argon2 hashes."""
import streamlit as st

from app import session, state
from kpi.services.accounts import (MAX_LOGIN_CHARS, MAX_PASSWORD_CHARS, LoginFailed, actor_for_identity,
                                   authenticate)


def oidc_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (OpenID Connect through st.login)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False

st.title("成果指標 進捗管理")
st.caption("戦略の成果指標・数値目標の進捗を、担当課の入力から審査・承認、幹部向けの集計まで一つの仕組みで管理します。")
notice = st.session_state.pop(state.NOTICE, None)
if notice:
    st.info(notice)

with st.form("login", enter_to_submit=True):
    login_id = st.text_input("ログインID", key="login_id", max_chars=MAX_LOGIN_CHARS)
    password = st.text_input("パスワード", type="password", key="login_password", max_chars=MAX_PASSWORD_CHARS)
    submitted = st.form_submit_button("ログイン", type="primary")

if submitted:
    if not login_id or not password:
        st.error("ログインIDとパスワードを入力してください。")
    else:
        try:
            # the connection's address (None on localhost); behind a proxy every person shares the proxy's
            session.login(authenticate(login_id, password, source=st.context.ip_address))
        except LoginFailed as exc:
            st.error(str(exc))
        else:
            st.rerun()

if oidc_configured():
    st.divider()
    if st.user.is_logged_in:
        try:
            session.login(actor_for_identity(st.user.get("email")))
        except LoginFailed as exc:
            st.error(str(exc))
            st.button("組織アカウントからログアウト", on_click=st.logout)
        else:
            st.rerun()
    else:
        st.button("組織アカウントでログイン（OpenID Connect）", on_click=st.login, key="oidc_login")
