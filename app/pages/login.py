"""ログイン: local accounts with argon2 hashes."""
import streamlit as st

from app import session, state
from kpi.services.accounts import LoginFailed, authenticate

st.title("成果指標 進捗管理")
st.caption("戦略の成果指標・数値目標の進捗を、担当課の入力から審査・承認、幹部向けの集計まで一つの仕組みで管理します。")
notice = st.session_state.pop(state.NOTICE, None)
if notice:
    st.info(notice)

with st.form("login", enter_to_submit=True):
    login_id = st.text_input("ログインID", key="login_id")
    password = st.text_input("パスワード", type="password", key="login_password")
    submitted = st.form_submit_button("ログイン", type="primary")

if submitted:
    if not login_id or not password:
        st.error("ログインIDとパスワードを入力してください。")
    else:
        try:
            session.login(authenticate(login_id, password))
        except LoginFailed as exc:
            st.error(str(exc))
        else:
            st.rerun()
