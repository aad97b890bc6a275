"""How a job runs — decided here and nowhere else, for the app and the command line alike.

- **As a Prefect flow run** (flows/*, visible in the Prefect UI) when $PREFECT_API_URL points at a server that
  answers (a temporary server is never started: that would take seconds).
- **On Prefect workers** when $KPI_WORK_POOL names a work pool (`python -m flows.deploy` created it and its
  deployments; `prefect worker start --pool kpi` runs them on any machine): every job is submitted as a run of its
  deployment and followed until it ends (kpi/platform/pool.py); the outcome is read and reported as below. The warm
  collector is not used in this mode. A page's form save (a handful of rows, a person waiting) lands in this
  process instead, in one warehouse transaction, unless KPI_POOL_FORM_SAVES=pool (docs/scale-out.md).
- **Through the warm collector** (kpi/platform/collector.py) for a batch `kpi collect` stored: the process that
  serves the scheduled flows runs the same flow run without paying Prefect's import first.
- **In this process**, without Prefect, when the caller asks for it (`--no-flow`), and for a publication or the
  pending batches when no server answers.

A batch sent to be collected through the flow while the server is down is not processed here: it stays
'received' (pending) and lands with the next collect_pending. Flows wrap services; this module imports flows only
inside the functions that start a flow run, so a process that never runs one never pays for Prefect.

The publish page's background publications are kept here too (start_publish / job / forget): a page polls a job
and forgets it once it has shown the outcome; finished jobs nobody came back for are dropped after a while.
"""
from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kpi.platform import pool
from kpi.platform import progress as progress_registry
from kpi.platform.handover import hand_over
from kpi.platform.prefect_server import healthy
from kpi.services import batches
from kpi.services.actors import Actor

Db = Path | str | None
Progress = Callable[[float, str], None]

DOWN_NOTICE = ("集計処理サーバー（Prefect）に接続できないため、入力内容は受付番号 {batch_id} として保存しました。"
               "サーバーの復旧後に自動で取り込まれます。")
FORM_SAVES_ENV = "KPI_POOL_FORM_SAVES"  # 'app' (default) or 'pool': where a form save lands in the pool mode
FORGET_AFTER_S = 600.0  # a finished publication nobody came back for is dropped after ten minutes


def form_saves_in_app() -> bool:
    """With a work pool: whether a page's form save lands in the app process (KPI_POOL_FORM_SAVES=app, the
    default) rather than as a run on a worker (=pool). See docs/scale-out.md for why."""
    return (os.environ.get(FORM_SAVES_ENV) or "app").strip().lower() != "pool"


def prefect_available() -> bool:
    """True when $PREFECT_API_URL points at a server that answers (never start a temporary one)."""
    url = os.environ.get("PREFECT_API_URL")
    return bool(url) and healthy(url, timeout=1.0)


def _db_arg(db: Db) -> str | None:
    return str(db) if db is not None else None


# ---- collecting a batch ---------------------------------------------------------------------------------------

def collect(batch_id: int, db: Db = None, *, flow: bool = True, via_collector: bool = False) -> batches.BatchReport:
    """Process a stored batch: in this process when flow is False; else handed to the warm collector (when
    via_collector and one listens) or run as the collect_submissions flow; 'received' when no server answers."""
    if via_collector and flow and not pool.configured():  # before anything heavy: the collector has it all loaded
        report = hand_over(batch_id, db=db)
        if report is not None:
            return report
    from kpi.services import intake  # Polars: only a process that processes the batch itself pays for it

    if not flow:
        return intake.process(batch_id, db=db)
    if pool.configured() and form_saves_in_app() and batches.source_of(batch_id, db) == "form":
        return intake.process(batch_id, db=db)  # a person waits on the page: no worker start (docs/scale-out.md)
    if not prefect_available():
        return batches.BatchReport(batch_id, "received")
    if pool.configured():
        return _collect_on_pool(batch_id, db)
    from flows.collect import run_batch, run_pending

    run_batch(batch_id, _db_arg(db))
    if intake.pending(db):  # batches kept while the server was down: land them now that it is back
        run_pending(_db_arg(db))
    return intake.batch_status(batch_id, db=db)


def _collect_on_pool(batch_id: int, db: Db) -> batches.BatchReport:
    """collect_submissions as a run on a worker; the batch's status as the warehouse has it afterwards (still
    'received' when no worker took the run in time: it lands when one does, or with the next collect_pending)."""
    from kpi.services import intake

    outcome = pool.run(pool.COLLECT, {"batch_id": batch_id, "db": _db_arg(db)})
    if outcome.state == "FAILED":
        raise pool.failure(outcome, f"受付番号 {batch_id} の取込")
    if outcome.completed:  # the pool answers again: batches kept while it did not are landed too
        _land_kept_on_pool(db)
    return intake.batch_status(batch_id, db=db)


def _land_kept_on_pool(db: Db) -> None:
    """Submit one collect_pending run (not waited on) when batches were kept while no server or worker answered:
    those still 'received' after the start-wait window. A younger pending batch is another person's save whose
    own run is on its way; collecting it too multiplied the runs under load (issue #19). At most one such run per
    process per window."""
    global _kept_submitted_at
    window = pool.start_wait_s()
    with _kept_guard:
        now = time.monotonic()
        if _kept_submitted_at is not None and now - _kept_submitted_at < window:
            return
        if not batches.kept(window, db):
            return
        _kept_submitted_at = now
    try:
        pool.submit(pool.COLLECT_PENDING, {"db": _db_arg(db)})
    except Exception as exc:  # a busy server: the caller's own batch is done; the next save tries again
        if not pool.transient(exc):
            raise
        _kept_submitted_at = None


_kept_submitted_at: float | None = None
_kept_guard = threading.Lock()


def collect_pending(db: Db = None, *, flow: bool = True) -> list[batches.BatchReport]:
    """Land every pending batch: through the collect_pending flow when a server answers, else in this process."""
    from kpi.services import intake

    ids = intake.pending(db)
    if not ids:
        return []
    if flow and prefect_available():
        if pool.configured():
            outcome = pool.run(pool.COLLECT_PENDING, {"db": _db_arg(db)})
            if outcome.state == "FAILED":
                raise pool.failure(outcome, "未処理の受付の取込")
        else:
            from flows.collect import run_pending

            run_pending(_db_arg(db))
        return [intake.batch_status(i, db=db) for i in ids]
    return [intake.process(i, db=db) for i in ids]


# ---- publishing ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Published:
    """What a publication produced, however it ran."""

    edition_id: int
    edition_no: int
    edition_label: str
    written: list[str]  # the files copied into `out`, when one was given
    via_prefect: bool


def publish(actor: Actor, fiscal_year: int, *, note: str | None = None, interim: bool = False, db: Db = None,
            out: str | Path | None = None, flow: bool = True, progress: Progress | None = None,
            strategy: str | None = None, confirmed: bool = False) -> Published:
    """Publish a cycle as the publish_report flow when a server answers (and flow), else in this process
    (confirmed: a 確定値反映版 of a finished year, 見込 → 確定)."""
    if flow and prefect_available() and pool.configured():
        return _publish_on_pool(actor, fiscal_year, note=note, interim=interim, db=db, out=out, progress=progress,
                                strategy=strategy, confirmed=confirmed)
    if flow and prefect_available():
        from flows.publish import run_publish

        token = progress_registry.listen(progress) if progress else None
        try:
            result = run_publish(fiscal_year, out=str(out) if out else None, note=note, db=_db_arg(db), actor=actor,
                                 progress_token=token, interim=interim, strategy=strategy, confirmed=confirmed)
        finally:
            progress_registry.forget(token)
        return Published(result["edition_id"], result["edition_no"], result["edition_label"], result["written"],
                         True)
    from kpi.services import publishing

    edition = publishing.publish(actor, fiscal_year, note=note, interim=interim, db=db, strategy=strategy,
                                 progress=progress or (lambda _f, _t: None), confirmed=confirmed)
    written = publishing.write_files(edition.files, out) if out else []
    return Published(edition.edition_id, edition.edition_no, edition.label, written, False)


def _publish_on_pool(actor: Actor, fiscal_year: int, *, note: str | None, interim: bool, db: Db,
                     out: str | Path | None, progress: Progress | None, strategy: str | None,
                     confirmed: bool = False) -> Published:
    """publish_report as a run on a worker; its progress lines relayed; the edition read back from the warehouse
    and its files written here (the worker may be another machine)."""
    from kpi.services import publishing

    parameters = {"fiscal_year": fiscal_year, "note": note, "db": _db_arg(db), "actor": actor, "interim": interim,
                  "strategy": strategy, "confirmed": confirmed}
    outcome = pool.run(pool.PUBLISH, parameters, progress=progress)
    if not outcome.started:  # no worker took it in time: withdrawn, unless one takes it right now
        if pool.cancel_if_not_started(outcome.flow_run_id):
            raise pool.failure(outcome, "公表")
        outcome = pool.follow(outcome.flow_run_id, progress=progress, start_wait=pool.DEFAULT_RUN_WAIT_S)
    if not outcome.completed:
        raise pool.failure(outcome, "公表")
    edition_id = pool.edition_of(outcome.flow_run_id)
    found = [e for e in publishing.list_editions(actor, db=db) if e["edition_id"] == edition_id]
    if not found:
        raise pool.PoolRunFailed("公表は終わりましたが、作成された版を確認できませんでした（Prefect の画面で確認してください）")
    files = {f["name"]: f["content"] for f in publishing.edition_files(actor, edition_id, db=db)} if out else {}
    written = publishing.write_files(files, out) if out else []
    return Published(edition_id, found[0]["edition_no"], found[0]["edition_label"], written, True)


@dataclass
class Job:
    """One publication started from the publish page, in progress or finished."""

    fraction: float = 0.0
    text: str = "開始しています…"
    done: bool = False
    finished_at: float | None = None
    edition_label: str | None = None
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def report(self, fraction: float, text: str) -> None:
        """Progress callback: record how far the job is."""
        with self.lock:
            self.fraction, self.text = fraction, text


_jobs: dict[str, Job] = {}
_jobs_lock = threading.Lock()


def _run_job(job: Job, actor: Actor, fiscal_year: int, note: str | None, db: Db, interim: bool,
             confirmed: bool = False) -> None:
    try:
        done = publish(actor, fiscal_year, note=note, db=db, interim=interim, progress=job.report, confirmed=confirmed)
        job.edition_label = done.edition_label
    except Exception as exc:  # shown to the person; the details are in the Prefect run or the log
        job.error = str(exc) or exc.__class__.__name__
    finally:
        job.finished_at = time.monotonic()
        job.done = True


def start_publish(actor: Actor, fiscal_year: int, *, note: str | None = None, db: Db = None,
                  interim: bool = False, confirmed: bool = False) -> str:
    """Publish in a background thread (a 速報（中間）版 when interim, a 確定値反映版 when confirmed); a token to poll
    with job()."""
    token = uuid.uuid4().hex
    now = time.monotonic()
    with _jobs_lock:
        for old in [t for t, j in _jobs.items() if j.done and now - (j.finished_at or now) > FORGET_AFTER_S]:
            del _jobs[old]
        _jobs[token] = job_ = Job()
    threading.Thread(target=_run_job, args=(job_, actor, fiscal_year, note, db, interim, confirmed),
                     name=f"publish-{fiscal_year}", daemon=True).start()
    return token


def job(token: str) -> Job | None:
    """The state of a started publication (None once forgotten)."""
    return _jobs.get(token)


def forget(token: str) -> None:
    """Drop a job whose outcome has been shown."""
    with _jobs_lock:
        _jobs.pop(token, None)


def jobs_kept() -> int:
    """How many publications are remembered (running, or finished and not yet shown)."""
    return len(_jobs)
