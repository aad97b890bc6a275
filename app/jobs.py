"""The app's handle on the one runner (kpi.platform.runner): the jobs a page starts and follows.

Pages call these instead of reaching into kpi.platform: a workbook's batch is collected (as a Prefect flow run, by
the warm collector or in process — the runner decides), a publication runs in the background while the page polls.
"""
from __future__ import annotations

from kpi.platform.runner import DOWN_NOTICE, collect, forget, job, start_publish

__all__ = ["DOWN_NOTICE", "collect", "forget", "job", "start_publish"]
