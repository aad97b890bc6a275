"""A process uses at most KPI_PG_POOL_MAX connections to a PostgreSQL warehouse at once: a unit of work beyond
them waits for one to be given back, then says so in Japanese (as the DuckDB lock does), instead of opening one
more connection until PostgreSQL refuses clients ("too many clients") for every process on the cluster."""
from __future__ import annotations

import threading

import pytest

import warehouse
from warehouse import pg_slots
from warehouse.busy import WarehouseBusy


def _backends(url: str) -> int:
    with warehouse.connect(url) as con:  # itself one of them
        return con.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()").fetchone()[0]


def test_units_of_work_beyond_the_cap_wait_for_a_connection_and_never_open_more(pg_fresh_url, monkeypatch):
    monkeypatch.setenv(pg_slots.ENV, "2")
    first, second = warehouse.connect(pg_fresh_url), warehouse.connect(pg_fresh_url)
    a, b = first.__enter__(), second.__enter__()
    a.execute("SELECT 1"), b.execute("SELECT 1")
    with pytest.raises(WarehouseBusy, match="データベースが他の処理で使用中です（0.2秒待機しました）"):
        pg_slots.take(pg_fresh_url, timeout=0.2)  # what a third unit of work meets, with a short bound
    results: list[int] = []
    third = threading.Thread(target=lambda: results.append(_backends(pg_fresh_url)))
    third.start()  # waits: both connections are in use
    first.__exit__(None, None, None)  # given back: the waiting unit of work runs on it
    third.join()
    second.__exit__(None, None, None)
    assert results == [2]  # the waiting one and the second unit of work: never a third connection
    assert _backends(pg_fresh_url) <= 2


def test_the_cap_reads_its_setting_and_refuses_nonsense(monkeypatch):
    monkeypatch.setenv(pg_slots.ENV, "5")
    assert pg_slots.cap() == 5
    monkeypatch.setenv(pg_slots.ENV, "0")
    assert pg_slots.cap() == 1
    monkeypatch.setenv(pg_slots.ENV, "many")
    assert pg_slots.cap() == pg_slots.DEFAULT_MAX
