"""Several real browsers at once against the running app: 4 Chromium contexts (two executives, a reviewer and an
editor) log in and go through their pages in rounds, all at the same time. Every page must render its heading with
no exception box; the time per login and per page is reported (p95), as are errors (target: none).

The 50-session load runs as threads through the services (tests/reliability/test_load.py); this is the smaller,
real-browser half of it. Contexts are driven by the async Playwright API on a thread of their own (the session's
sync browser fixture keeps its own event loop).
"""
from __future__ import annotations

import asyncio
import threading
import time

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.reliability import figures

pytestmark = pytest.mark.browser

ROUNDS = 3
TIMEOUT = 60_000
PEOPLE = [  # (login, pages visited in each round)
    ("executive", ["ダッシュボード", "公表資料", "ダッシュボード"]),
    ("executive", ["ダッシュボード", "指標", "ダッシュボード"]),
    ("reviewer", ["審査・承認", "回収状況", "ダッシュボード"]),
    ("editor2", ["入力", "ダッシュボード", "入力"]),
]


def _p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))] if s else 0.0


async def _person(browser, url: str, login: str, pages: list[str], timings: dict, errors: list[str]) -> None:
    from playwright.async_api import expect

    context = await browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        started = time.perf_counter()
        await page.goto(url)
        await page.get_by_label("ログインID").fill(login)
        await page.get_by_label("パスワード").fill(f"{login}-pass")
        await page.get_by_role("button", name="ログイン").click()
        await expect(page.get_by_role("button", name="ログアウト")).to_be_visible(timeout=TIMEOUT)
        timings.setdefault("login", []).append(time.perf_counter() - started)
        for _round in range(ROUNDS):
            for title in pages:
                started = time.perf_counter()
                await page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
                await expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT)
                await expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT)
                timings.setdefault(title, []).append(time.perf_counter() - started)
                if await page.get_by_test_id("stException").count():
                    errors.append(f"{login}: {title} shows an exception: "
                                  f"{(await page.get_by_test_id('stException').first.inner_text())[:300]}")
    except Exception as exc:  # noqa: BLE001  (reported as an error of this person)
        errors.append(f"{login}: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        await context.close()


async def _all(url: str, timings: dict, errors: list[str]) -> float:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        started = time.perf_counter()
        await asyncio.gather(*(_person(browser, url, login, pages, timings, errors) for login, pages in PEOPLE))
        elapsed = time.perf_counter() - started
        await browser.close()
    return elapsed


def test_four_browsers_at_once_get_every_page_without_an_error(live_app, request):
    timings: dict[str, list[float]] = {}
    errors: list[str] = []
    box: dict = {}
    worker = threading.Thread(target=lambda: box.update(elapsed=asyncio.run(_all(live_app["url"], timings, errors))))
    worker.start()
    worker.join(timeout=600)
    assert not worker.is_alive(), "the browsers did not finish within 10 minutes"

    pages = sum(len(v) for k, v in timings.items() if k != "login")
    per = {k: {"count": len(v), "p50_s": round(sorted(v)[len(v) // 2], 2), "p95_s": round(_p95(v), 2),
               "max_s": round(max(v), 2)} for k, v in timings.items()}
    figures.record(request.config, "load_browser", {
        "contexts": len(PEOPLE), "rounds": ROUNDS, "pages": pages, "seconds": round(box.get("elapsed", 0), 1),
        "per_page": per, "errors": errors,
        "summary": [f"{len(PEOPLE)} Chromium contexts at once, {pages} page views + {len(timings.get('login', []))} "
                    f"logins in {box.get('elapsed', 0):.0f} s ({pages / max(box.get('elapsed', 1), 1e-9):.2f} pages/s); "
                    f"errors {len(errors)}"]
                   + [f"{k:10} n={v['count']:>3} p50 {v['p50_s']:.2f} s  p95 {v['p95_s']:.2f} s  max {v['max_s']:.2f} s"
                      for k, v in per.items()],
    })
    assert errors == []
    assert len(timings.get("login", [])) == len(PEOPLE)
    assert pages == sum(len(p) for _l, p in PEOPLE) * ROUNDS
