"""A department head (所属長承認者) opens every page of their menu; 所属長承認 shows the chain and their queue."""
from __future__ import annotations

import pytest

from kpi.domain.roles import Role
from kpi.services import admin, approval_chain
from kpi.services.actors import SYSTEM, Actor
from tests.app.conftest import ENTRYPOINT, sign_in

ADMIN = Actor("admin", "システム管理者", frozenset({Role.ADMIN}))
PAGES = {"views/dashboard.py": "ダッシュボード", "views/indicator.py": "指標", "views/head_review.py": "所属長承認",
         "views/publish.py": "公表資料"}


@pytest.fixture
def head_app(demo_db):
    from streamlit.testing.v1 import AppTest

    admin.create_account(ADMIN, "head-iryo", "健康福祉部医療整備課長", "head-iryo-pass", ["dept_head"], ["IRYO"],
                         db=demo_db)

    def open_app():
        at = AppTest.from_file(ENTRYPOINT, default_timeout=60)
        sign_in(at, "head-iryo", "head-iryo-pass", demo_db)
        at.run()
        return at

    return open_app


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_of_the_heads_menu_opens(head_app, page):
    at = head_app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [PAGES[page]]


def test_the_heads_page_names_the_chain(head_app, demo_db):
    at = head_app()
    at.switch_page("views/head_review.py").run()
    assert any("承認経路: 担当 → 所属長 → 行政改革推進課" in c.value for c in at.caption)  # the demo's chain
    assert any("該当する値はありません" in i.value for i in at.info)  # nothing submitted in the open year yet
    approval_chain.set_chain(SYSTEM, 1, [("担当", "editor"), ("課長", "dept_head"), ("企画課", "reviewer")], demo_db)
    at.run()
    assert any("承認経路: 担当 → 課長 → 企画課" in c.value for c in at.caption)
