"""Runs publish_report in a background thread of the app process and lets a page poll its progress."""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from kpi.platform.collection import prefect_available
from kpi.services import publishing
from kpi.services.actors import Actor


@dataclass
class Job:
    """One publication in progress (or finished)."""

    fraction: float = 0.0
    text: str = "開始しています…"
    done: bool = False
    edition_id: int | None = None
    edition_no: int | None = None
    edition_label: str | None = None
    error: str | None = None
    via_prefect: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


_jobs: dict[str, Job] = {}


def report(token: str, fraction: float, text: str) -> None:
    """Progress callback: record how far the job is."""
    job = _jobs.get(token)
    if job is not None:
        with job.lock:
            job.fraction, job.text = fraction, text


def _run(token: str, actor: Actor, fiscal_year: int, note: str | None, db: str | None, interim: bool) -> None:
    job = _jobs[token]
    try:
        if job.via_prefect:
            from flows.publish import run_publish

            result = run_publish(fiscal_year, note=note, db=db, actor=actor, progress_token=token, interim=interim)
            job.edition_id, job.edition_no = result["edition_id"], result["edition_no"]
            job.edition_label = result["edition_label"]
        else:
            edition = publishing.publish(actor, fiscal_year, note=note, db=db, interim=interim,
                                         progress=lambda f, t: report(token, f, t))
            job.edition_id, job.edition_no, job.edition_label = edition.edition_id, edition.edition_no, edition.label
    except Exception as exc:  # shown to the person; the details are in the Prefect run or the log
        job.error = str(exc) or exc.__class__.__name__
    finally:
        job.done = True


def start(actor: Actor, fiscal_year: int, *, note: str | None = None, db: Path | str | None = None,
          interim: bool = False) -> str:
    """Start publishing in the background (a 速報（中間）版 when interim); return a token to poll with `job()`."""
    token = uuid.uuid4().hex
    _jobs[token] = Job(via_prefect=prefect_available())
    threading.Thread(target=_run, args=(token, actor, fiscal_year, note, str(db) if db else None, interim),
                     name=f"publish-{fiscal_year}", daemon=True).start()
    return token


def job(token: str) -> Job | None:
    """The state of a started publication."""
    return _jobs.get(token)
