"""The time in a conflict message is Japan time."""
from __future__ import annotations


def test_a_conflict_names_the_time_of_the_other_save_in_japan_time():
    """The warehouse stores UTC; a person reads Japan time (issue #16, one clock, on the entry page's conflicts)."""
    import datetime as dt

    from kpi.services.conflicts import change_text

    text = change_text({"actor": "editor-joho", "actor_name": "情報システム課 入力担当", "action": "save",
                        "occurred_at": dt.datetime(2026, 12, 6, 3, 21)})
    assert "2026-12-06 12:21（日本時間）" in text and "03:21" not in text
