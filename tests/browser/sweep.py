"""One walk of every page of every role, all roles at the same time, one browser tab each: what
tests/browser/test_every_page.py asserts on is recorded here once per stop (a page, a tab of it, a table opened by a
choice, a person's text looked for), instead of four walks each opening every page again.

A walk is a generator: it yields the milliseconds it waits and `side_by_side` runs the walks at once, each going on
as soon as its own wait is over, so the waits — for a page to stop changing, for a grid to draw after a scroll —
overlap instead of adding up. No step blocks the others: every wait polls and yields (`until`).

At every stop the walk records: the tables (box, scroller, column headers), the visible text, `window.__xss`, the
dialogs that opened, the number of `img[src='x']`, the exception boxes and incident messages, and the seconds from
the action (a sidebar click, a tab, a choice) to the page being settled."""
from __future__ import annotations

import time
from collections.abc import Callable, Generator

from playwright.sync_api import Page

from tests.browser import hostile
from tests.browser.conftest import TIMEOUT

WIDTH, HEIGHT = 1440, 900
Steps = Generator[int, None, dict]  # a walk: yields the milliseconds it waits, returns what it recorded

SHAPE = """() => [document.querySelector('[data-test-script-state]')?.getAttribute('data-test-script-state'),
  document.querySelectorAll('[data-testid=stMain] [data-testid=stElementContainer]').length,
  document.querySelectorAll('[data-testid=stStatusWidget], [data-testid=stSkeleton], [data-stale=true]').length,
  document.querySelectorAll('[data-testid=stDataFrame] .dvn-scroller').length]"""

TABLES = """() => [...document.querySelectorAll('[data-testid=stDataFrame]')].filter(d => d.checkVisibility())
  .map(d => {
    const box = d.getBoundingClientRect(), s = d.querySelector('.dvn-scroller');
    return {left: box.left, right: box.right, scroll: s ? s.scrollWidth : null, client: s ? s.clientWidth : null,
            headers: [...d.querySelectorAll('table thead th, [role=columnheader]')].map(h => h.textContent.trim())};
  })"""

LOOK = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const el = n.parentElement;
    if (!el || el.closest('script,style,noscript,[data-testid=stIconMaterial]') || !el.checkVisibility()) continue;
    if (el.closest('[data-live-announcer],#aria-selection,#aria-focused,#aria-results,#aria-guidance')) continue;
    // ↑ a selectbox's announcements to screen readers ("6 options available."; react-aria and react-select inside
    // Streamlit, in English: nothing the app sets translates them), drawn 1 px wide and clipped
    if (getComputedStyle(el).fontFamily.includes('Material Symbols')) continue;  // an icon's ligature, drawn as a glyph
    const t = n.textContent.trim();
    if (t) texts.push(t);
  }
  for (const i of document.querySelectorAll('input[placeholder],textarea[placeholder]'))
    if (!i.value && i.checkVisibility()) texts.push(i.getAttribute('placeholder'));
  for (const i of document.querySelectorAll('[data-placeholder=true]'))
    if (i.checkVisibility()) texts.push(i.textContent);
  const errors = [...document.querySelectorAll('[data-testid=stException]')].map(e => e.innerText.slice(0, 300))
    .concat([...document.querySelectorAll('[data-testid=stAlert]')].map(e => e.innerText)
      .filter(t => t.includes('問い合わせ番号')).map(t => t.slice(0, 300)));
  return {texts, errors, xss: typeof window.__xss === 'undefined' ? null : String(window.__xss),
          imgs: document.querySelectorAll("img[src='x']").length};
}"""


def until(check: Callable[[], object], what: str, timeout_ms: float = TIMEOUT, soft: bool = False
          ) -> Generator[int, None, bool]:
    """Poll check() every 200 ms, letting the other walks go on meanwhile; True once it holds. When timeout_ms
    runs out: False if soft, else TimeoutError naming what was awaited."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not check():
        if time.monotonic() > deadline:
            if soft:
                return False
            raise TimeoutError(f"{what}: {timeout_ms / 1000:.0f} 秒待っても現れません")
        yield 200
    return True


def settled(page: Page, first_ms: int = 400) -> Generator[int, None, float]:
    """Wait until the run has finished and the page stopped changing (same elements for 1.2 s): on a busy machine
    the browser may still be drawing what the server sent when Streamlit reports the run finished. Returns the
    monotonic time the page first took the shape it kept."""
    yield first_ms  # the run an action starts may not have begun yet
    last, same, since = None, 0, time.monotonic()
    for _ in range(150):
        now, shape = time.monotonic(), page.evaluate(SHAPE)
        if shape == last and shape[0] == "notRunning" and shape[2] == 0:
            same += 1
        else:
            same, since = 0, now
        if same >= 4:
            return since
        last = shape
        yield 300
    raise TimeoutError(f"画面が落ち着きません（{last}）")


def tables(page: Page) -> Generator[int, None, list[dict]]:
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
        grid = grids.nth(i)
        if grid.is_visible():
            grid.scroll_into_view_if_needed()
            yield from until(lambda g=grid: g.locator(".dvn-scroller").count() == 1
                             and g.locator("table thead th").count() > 0, "表の見出し")  # the grid's accessible table
    for _ in range(20):
        found = page.evaluate(TABLES)
        if all(t["headers"] for t in found):
            break
        yield 250
    main.evaluate("m => m.scrollTo(0, 0)")
    return found


class Walk:
    """One role's tab: its stops so far and the dialogs not yet given to a stop."""

    def __init__(self, page: Page, login: str):
        self.page, self.login, self.stops, self.dialogs = page, login, [], []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def look(self, title: str, tab: str | None, action: str, started: float, done: float,
             shown: dict[str, bool] | None = None) -> Steps:
        """Record the page as it is now (after reading its tables): one stop."""
        found_tables = yield from tables(self.page)
        if self.page.get_by_test_id("stFileUploader").count():  # the relabelling style applies after render
            yield from until(lambda: self.page.get_by_test_id("stFileUploaderDropzoneInstructions").first.is_hidden(),
                             "ファイル欄の説明の差し替え")
        where = f"{self.login} {title}" + (f" {tab}" if tab else "")
        stop = {"role": self.login, "page": title, "tab": tab, "where": where, "action": action,
                "seconds": round(done - started, 2), "tables": found_tables, **self.page.evaluate(LOOK),
                "dialogs": list(self.dialogs), "shown": shown or {}}
        for t in stop["tables"]:
            t["where"] = where
        self.dialogs.clear()
        self.stops.append(stop)
        return stop

    def open(self, title: str) -> Generator[int, None, tuple[float, float]]:
        """Click a page in the sidebar: (when it was clicked, when the page had settled)."""
        started = time.monotonic()
        self.page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
        heading = self.page.get_by_role("heading", name=title, exact=True)
        failed = self.page.locator("[data-testid=stException], [data-testid=stAlert]:has-text('問い合わせ番号')")
        # a page that fails before its title shows the error instead: recorded at the stop, the walk goes on
        yield from until(lambda: heading.is_visible() or failed.count(), f"{self.login}: 見出し「{title}」")
        return started, (yield from settled(self.page))

    def choose(self, label: str, option: str, typed: str | None = None) -> Generator[int, None, tuple[float, float]]:
        """Pick an option of a selectbox (typing to filter a long list): (when it was picked, when settled)."""
        started = time.monotonic()
        box = self.page.get_by_role("combobox", name=label, exact=True)
        box.click()
        if typed:
            box.press_sequentially(typed)  # the list shows only what fits: typing filters it
        self.page.get_by_role("option", name=option, exact=typed is None).click()  # 承認済, not 所属長承認済
        return started, (yield from settled(self.page))


def walk(page: Page, url: str, login: str) -> Steps:
    """Log in, then every page of the role's sidebar and every tab of each, the two tables a choice opens, and at
    the end the places where the hostile people's text shows. Returns {"titles", "login_s", "stops"}."""
    w = Walk(page, login)
    started = time.monotonic()
    page.goto(url)
    page.get_by_label("ログインID").fill(login)
    page.get_by_label("パスワード").fill(f"{login}-pass")
    page.get_by_role("button", name="ログイン").click()
    yield from until(page.get_by_role("button", name="ログアウト").is_visible, f"{login}: ログイン")
    login_s = (yield from settled(page)) - started
    nav = page.get_by_test_id("stSidebarNav")
    titles = [t.split("\n")[-1].strip() for t in nav.locator("a").all_inner_texts()]
    for title in titles:
        began, done = yield from w.open(title)
        tabs = page.get_by_role("tab").all_inner_texts()
        current = page.get_by_role("tab", selected=True).all_inner_texts()
        yield from w.look(title, current[0] if current else None, "page", began, done)
        for tab in tabs:
            if tab not in current:
                began = time.monotonic()
                page.get_by_role("tab", name=tab, exact=True).click()
                yield from w.look(title, tab, "tab", began, (yield from settled(page, 300)))
        if title == "審査・承認":  # the queue of approved values
            yield from w.look(title, "承認済", "choice", *(yield from w.choose("状態", "承認済")))
        if title == "回収状況":  # a department's indicators, opened by choosing its row
            began = time.monotonic()
            box = page.get_by_test_id("stDataFrame").first.bounding_box()
            page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
            yield from until(page.locator(".st-key-progress_department").is_visible, f"{login}: 担当課の表")
            yield from w.look(title, "担当課", "choice", began, (yield from settled(page)))
    yield from people_text(w)
    return {"titles": titles, "login_s": round(login_s, 2), "stops": w.stops}


def people_text(w: Walk) -> Generator[int, None, None]:
    """Where the hostile people's text shows, looked for at the end of a walk (hostile.write): the display name in
    the sidebar, the returned value's comment beside its field, the queued value's reason in the reviewer's view."""
    page = w.page

    def shown(text: str) -> Callable[[], bool]:
        return page.get_by_text(text, exact=False).first.is_visible

    if w.login == hostile.LOGIN:
        name = page.get_by_test_id("stSidebar").get_by_text(hostile.NAME, exact=False).first.is_visible
        ok = yield from until(name, "表示名", 10_000, soft=True)
        now = time.monotonic()
        yield from w.look("サイドバー", None, "check", now, now, {"表示名": ok})
    if w.login in (hostile.LOGIN, "editor1"):
        began, done = yield from w.open("入力")
        ok = yield from until(shown(f"差戻しコメント: {hostile.IMG}"), "差戻しコメント", 10_000, soft=True)
        yield from w.look("入力", None, "check", began, done, {"差戻しコメント": ok})
    if w.login == "reviewer":
        yield from w.open("審査・承認")
        began, done = yield from w.choose("指標", "P3-2-02", typed="P3-2-02")
        ok = yield from until(shown(f"要因: {hostile.SCRIPT}"), "要因", 10_000, soft=True)
        yield from w.look("審査・承認", "P3-2-02", "check", began, done, {"要因": ok})


def side_by_side(walks: dict[str, Steps], pause: Page) -> dict[str, dict]:
    """Run the walks at once: each goes on as soon as its own wait is over (never sooner), and while none may, the
    browser waits (`pause.wait_for_timeout`, which keeps Playwright's events flowing). Returns what each returned."""
    due = {name: time.monotonic() for name in walks}
    done: dict[str, dict] = {}
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
            failed.add_note(f"（{name} の全画面巡回の途中）")  # whose walk failed: the screenshot is failure-<name>
            raise
    return done
