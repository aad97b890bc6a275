"""Tables fit a 1440 × 900 window and put indicator, value, target, rate and band first (issue #16), in Chromium on the
session's app: every page of every demo role, every tab of it, and the tables that appear on a choice (the review
queue of approved values, a department of 回収状況).

Streamlit draws a dataframe on a canvas, so what is checked is its box and its scroller: the table lies inside the
window, and a table of indicator figures scrolls no column out of sight (scrollWidth ≤ clientWidth of its scroller);
its column headers (the grid's accessible table) give the order.

The four roles walk at the same time, one tab each (`_side_by_side`): a walk spends most of its time waiting — for a
page to stop changing, for a grid to draw after a scroll — and those waits overlap instead of adding up; every
wait is as long as when one role walks alone."""
from __future__ import annotations

import time
from collections.abc import Generator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_publication_views import ROLES, TIMEOUT

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1440, 900
expect.set_options(timeout=TIMEOUT)

Steps = Generator[int, None, list[dict]]  # a walk: yields the milliseconds it waits, returns the tables it saw


def _login(page: Page, url: str, login: str) -> None:
    page.goto(url)
    page.get_by_label("ログインID").fill(login)
    page.get_by_label("パスワード").fill(ROLES[login])
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def _idle(page: Page) -> Generator[int, None, None]:
    yield 400
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
FIGURES = ("値", "目標値", "達成率", "達成区分")  # after the row's name: 指標 (or 年度 in one indicator's history)
KEYS = ("指標", "年度")

TABLES = """() => [...document.querySelectorAll('[data-testid=stDataFrame]')].filter(d => d.checkVisibility())
  .map(d => {
    const box = d.getBoundingClientRect(), s = d.querySelector('.dvn-scroller');
    return {left: box.left, right: box.right, scroll: s ? s.scrollWidth : null, client: s ? s.clientWidth : null,
            headers: [...d.querySelectorAll('table thead th, [role=columnheader]')].map(h => h.textContent.trim())};
  })"""


def figure_order_problem(headers: list[str]) -> str | None:
    """Why a table of indicator figures does not start with its name, value, target, rate and band; None if it does."""
    key = next((k for k in KEYS if k in headers), None)
    present = [h for h in FIGURES if h in headers]
    if key is None or not present:
        return None
    wanted = [key, *present]
    return None if headers[:len(wanted)] == wanted else f"先頭の列 {headers[:len(wanted)]}（期待: {wanted}）"


def test_figure_order_rule():
    assert figure_order_problem(["指標", "値", "目標値", "達成率", "達成区分", "要因"]) is None
    assert figure_order_problem(["年度", "値", "達成率", "達成区分", "区分"]) is None
    assert figure_order_problem(["指標", "状態", "値", "達成率"]) is not None
    assert figure_order_problem(["コード", "指標", "値"]) is not None
    assert figure_order_problem(["担当課", "未入力", "計"]) is None  # no figures: nothing to put first


SHAPE = """() => [document.querySelectorAll('[data-testid=stMain] [data-testid=stElementContainer]').length,
  document.querySelectorAll('[data-testid=stStatusWidget], [data-testid=stSkeleton], [data-stale=true]').length,
  document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller').length]"""


def _settled(page: Page) -> Generator[int, None, None]:
    """Wait until the run has finished and the page stopped changing (same elements for 1.2 s): on a busy machine
    the browser may still be drawing what the server sent when Streamlit reports the run finished."""
    yield from _idle(page)
    last, same = None, 0
    for _ in range(120):
        shape = page.evaluate(SHAPE)
        same = same + 1 if shape == last and shape[1] == 0 else 0
        if same >= 4:
            return
        last = shape
        yield 300


def _tables(page: Page, where: str) -> Generator[int, None, list[dict]]:
    """Every table of the page: its box, scroller and headers. Streamlit mounts a grid only when it scrolls into
    view, and fills in its accessible table after drawing, so the page is scrolled to its end step by step and the
    figures are read again until every grid has its headers."""
    main = page.get_by_test_id("stMain")
    for _ in range(30):
        at_end = main.evaluate("m => { const before = m.scrollTop; m.scrollBy(0, 600);"
                               " return m.scrollTop === before; }")
        yield 150
        if at_end:
            break
    grids = page.get_by_test_id("stDataFrame")
    for i in range(grids.count()):
        if grids.nth(i).is_visible():
            grids.nth(i).scroll_into_view_if_needed()
            expect(grids.nth(i).locator(".dvn-scroller")).to_have_count(1)
            expect(grids.nth(i).locator("table thead th").first).to_be_attached()  # the grid's accessible table
    for _ in range(20):
        found = page.evaluate(TABLES)
        if all(t["headers"] for t in found):
            break
        yield 250
    main.evaluate("m => m.scrollTo(0, 0)")
    for t in found:
        t["where"] = where
    return found


def _problems(tables: list[dict]) -> list[str]:
    out = []
    for t in tables:
        if t["left"] < 0 or t["right"] > WIDTH:
            out.append(f"{t['where']}: 表が画面からはみ出しています（{t['left']:.0f}〜{t['right']:.0f} px）")
        figures = any(h in t["headers"] for h in FIGURES)
        if figures and t["scroll"] > t["client"] + 1:
            out.append(f"{t['where']}: 列が表の幅を超えています（{t['scroll']} > {t['client']} px）{t['headers']}")
        why = figure_order_problem(t["headers"])
        if why:
            out.append(f"{t['where']}: {why}")
    return out


def _walk(page: Page, url: str, login: str) -> Steps:
    """Log in, then every page of the role's sidebar and every tab of each; the tables seen, with where they were."""
    _login(page, url, login)
    yield from _settled(page)
    seen: list[dict] = []
    nav = page.get_by_test_id("stSidebarNav")
    titles = [t.split("\n")[-1].strip() for t in nav.locator("a").all_inner_texts()]
    for title in titles:
        nav.get_by_text(title, exact=True).click()
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        yield from _settled(page)
        tabs = page.get_by_role("tab").all_inner_texts()
        for tab in tabs or [None]:
            if tab is not None:
                page.get_by_role("tab", name=tab, exact=True).click()
                yield from _settled(page)
            seen += yield from _tables(page, f"{login} {title}" + (f" {tab}" if tab else ""))
        if title == "審査・承認":  # the demo has no value awaiting review: the queue of approved values
            page.get_by_role("combobox", name="状態").click()
            page.get_by_role("option", name="承認済", exact=True).click()  # not 所属長承認済
            yield from _settled(page)
            seen += yield from _tables(page, f"{login} {title} 承認済")
        if title == "回収状況":  # a department's indicators, opened by choosing its row
            grid = page.get_by_test_id("stDataFrame").first
            box = grid.bounding_box()
            page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
            expect(page.locator(".st-key-progress_department")).to_be_visible()
            yield from _settled(page)
            seen += yield from _tables(page, f"{login} {title} 担当課")
    return seen


def _side_by_side(walks: dict[str, Steps], pause: Page) -> dict[str, list[dict]]:
    """Run the walks at once: each goes on as soon as its own wait is over (never sooner), and while none may, the
    browser waits (`pause.wait_for_timeout`, which keeps Playwright's events flowing). Returns what each returned."""
    due = {name: time.monotonic() for name in walks}
    done: dict[str, list[dict]] = {}
    while due:
        name = min(due, key=due.get)
        left_ms = (due[name] - time.monotonic()) * 1000
        if left_ms > 0:
            pause.wait_for_timeout(left_ms)
        try:
            due[name] = time.monotonic() + next(walks[name]) / 1000
        except StopIteration as finished:
            done[name] = finished.value
            del due[name]
        except Exception as failed:
            failed.add_note(f"（{name} の表を見て回る途中）")  # whose walk failed: the screenshots are last-<name>
            raise
    return done


def test_tables_fit_1440_and_put_the_figures_first(live_app, browser, shots):
    """Every role at once, one browser tab each (a failure names the role and the page)."""
    pages = {}
    try:
        for login in ROLES:
            pages[login] = p = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, locale="ja-JP")
            p.set_default_timeout(TIMEOUT)
        walked = _side_by_side({login: _walk(p, live_app["url"], login) for login, p in pages.items()},
                               pause=next(iter(pages.values())))
        problems = []
        for login, tables in walked.items():
            assert tables, f"{login}: 表が一つも見つかりません"
            if login in ("reviewer", "executive"):  # the indicator lists the issue named: 指標一覧, 要因, 審査・承認
                names = {t["where"] for t in tables if "指標" in t["headers"] and "達成率" in t["headers"]}
                assert any("指標一覧" in w for w in names), (login, names)
            if _problems(tables):
                problems += _problems(tables)
                shots(pages[login], f"problem-{login}")
        assert set(walked) == set(ROLES)  # every role walked to its end
        assert not problems, "\n".join(problems)
    finally:
        for login, p in pages.items():
            shots(p, f"last-{login}")
            p.close()
