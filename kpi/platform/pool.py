"""Jobs on Prefect workers: a job submitted as a run of a deployment in the work pool $KPI_WORK_POOL, followed
until it ends (kpi.platform.runner decides when; this module only submits, follows and reads the outcome).

`python -m flows.deploy` creates the process work pool and its deployments; `prefect worker start --pool kpi` on any
machine that has this checkout (and reaches the Prefect server and the warehouse) runs them. The submitting process
waits for the run as it waited for an in-process flow run, and reads the outcome where today's path reads it: the
batch's status in the warehouse, the edition the run registered.

A worker that dies mid-run stops the run's heartbeats; the automation `flows.deploy` creates puts a run of a
retryable deployment back to Scheduled (AwaitingRetry) once its heartbeats are missing, and another worker (or the
restarted one) runs it again. Processing a batch twice lands it once (kpi.services.intake.process), so the batch
lands exactly once. A publication is not run twice (two editions would be two publications): its run is marked
Crashed, and the person is told to publish again.
"""
from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

ENV = "KPI_WORK_POOL"
START_WAIT_ENV = "KPI_POOL_START_WAIT_S"
DEFAULT_START_WAIT_S = 120.0  # no worker took the run by then: the caller hears so (a batch stays pending)
DEFAULT_RUN_WAIT_S = 1800.0  # a run that neither ends nor loses its worker this long is reported, not waited on
POLL_S = 0.3  # the first look at a run; each next one waits longer, up to POLL_MAX_S
POLL_MAX_S = 2.0  # 100 sessions following runs every 0.3 s exhausted the Prefect server's database connections
POLL_GROWTH = 1.5
API_OUTAGE_S = 300.0  # the API answering only errors this long while a run is followed: the error is raised
LOG_GRACE_S = 6.0  # how long the last progress lines of a completed run are waited for

# (flow name, deployment name): what `flows.deploy` registers and the runner submits
COLLECT = ("collect_submissions", "collect")
COLLECT_PENDING = ("collect_pending", "collect-pending")
VALIDATE = ("validate_cycle", "validate")
PUBLISH = ("publish_report", "publish")
RETRY_TAG = "kpi-retry"  # runs put back to Scheduled when their worker dies (processing again is harmless)
ONCE_TAG = "kpi-once"  # runs marked Crashed when their worker dies (a publication is never made twice)

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
_PROGRESS = re.compile(r"^\s*(\d{1,3})% (.+)$")
_EDITION = re.compile(r"^edition_id=(\d+)$")
_EXCEPTION = re.compile(r"^.*?exception: (?:(?:[A-Za-z_][\w]*\.)*([A-Za-z_]\w*): )?", re.S)  # "Flow run encountered an exception: X: …"


class PoolRunFailed(RuntimeError):
    """The run ended failed, crashed or cancelled; str() is a Japanese sentence with the reason."""


@dataclass(frozen=True)
class Outcome:
    """How a run ended (or that no worker took it in time: state 'SCHEDULED' or 'PENDING')."""

    flow_run_id: UUID
    state: str
    message: str

    @property
    def completed(self) -> bool:
        return self.state == "COMPLETED"

    @property
    def started(self) -> bool:
        return self.state not in ("SCHEDULED", "PENDING")


def configured() -> str | None:
    """The work pool jobs are submitted to, or None (the embedded mode: flow runs in this process)."""
    return (os.environ.get(ENV) or "").strip() or None


def deployment_name(which: tuple[str, str]) -> str:
    return f"{which[0]}/{which[1]}"


def start_wait_s() -> float:
    """How long a submitted run may wait for a worker (KPI_POOL_START_WAIT_S, default 120 s)."""
    try:
        return float(os.environ.get(START_WAIT_ENV) or DEFAULT_START_WAIT_S)
    except ValueError:
        return DEFAULT_START_WAIT_S


def run(which: tuple[str, str], parameters: dict, *, progress: Callable[[float, str], None] | None = None,
        start_wait: float | None = None, run_wait: float = DEFAULT_RUN_WAIT_S) -> Outcome:
    """Submit a run of the deployment and wait until it ends; progress lines the run logs ("NN% text") are passed
    to `progress`. A run no worker has taken within `start_wait` seconds is left scheduled (a worker that starts
    later runs it) and reported as such; one that has not ended within `run_wait` is reported as it stands."""
    return follow(submit(which, parameters), progress=progress, start_wait=start_wait, run_wait=run_wait)


def submit(which: tuple[str, str], parameters: dict) -> UUID:
    """Submit a run of the deployment and return at once (nobody follows it: its outcome is in the warehouse)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(deployment_name(which))
        return client.create_flow_run_from_deployment(deployment.id, parameters=parameters).id


def follow(flow_run_id: UUID, *, progress: Callable[[float, str], None] | None = None,
           start_wait: float | None = None, run_wait: float = DEFAULT_RUN_WAIT_S) -> Outcome:
    """Wait for a submitted run as run() does."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    start_wait = start_wait_s() if start_wait is None else start_wait
    with get_client(sync_client=True) as client:
        submitted = time.monotonic()
        seen_logs, done = 0, False

        def relay() -> None:  # the run's "NN% text" lines, in order, each once
            nonlocal seen_logs, done
            logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])),
                                    offset=seen_logs, sort=LogSort.TIMESTAMP_ASC)
            seen_logs += len(logs)
            for log in logs:
                found = _PROGRESS.match(log.message or "")
                if found:
                    fraction = min(int(found.group(1)), 100) / 100
                    done = done or fraction >= 1.0
                    progress(fraction, found.group(2))

        delay, failing_since = POLL_S, None
        while True:
            time.sleep(delay)
            delay = next_delay(delay)
            try:
                flow_run = client.read_flow_run(flow_run_id)
            except Exception as exc:  # a busy server: ask again later; the outcome is read from the warehouse
                failing_since = _still_transient(exc, failing_since)
                continue
            failing_since = None
            state = flow_run.state
            kind = state.type.value if state else "SCHEDULED"
            if progress is not None and kind in ("RUNNING", "COMPLETED"):
                _quietly(relay)
            if kind in FINAL:
                # a run ships its logs in batches (every 2 s): the last lines may arrive after its final state
                until = time.monotonic() + LOG_GRACE_S
                while progress is not None and kind == "COMPLETED" and not done and time.monotonic() < until:
                    time.sleep(POLL_S)
                    _quietly(relay)
                return Outcome(flow_run_id, kind, (state.message or "") if state else "")
            waited = time.monotonic() - submitted
            if (kind in ("SCHEDULED", "PENDING") and flow_run.start_time is None and waited > start_wait) \
                    or waited > run_wait:
                return Outcome(flow_run_id, kind, "")


def next_delay(delay: float) -> float:
    """The wait before the next look at a run: growing from POLL_S to POLL_MAX_S (a run of seconds is seen within
    a second or two, and 100 followers do not keep the server's database busy)."""
    return min(delay * POLL_GROWTH, POLL_MAX_S)


def transient(exc: BaseException) -> bool:
    """Whether an error from the Prefect API is the server being busy or out of reach for a moment (a 5xx, a
    timeout, a dropped connection): the caller asks again instead of reporting the job failed."""
    import httpx

    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code >= 500
    return isinstance(exc, (httpx.TimeoutException, httpx.TransportError))


def _still_transient(exc: Exception, failing_since: float | None) -> float:
    now = time.monotonic()
    if not transient(exc) or (failing_since is not None and now - failing_since > API_OUTAGE_S):
        raise exc
    return now if failing_since is None else failing_since


def _quietly(relay: Callable[[], None]) -> None:
    """Relay progress lines; a busy server's error only delays them (they are asked for again next time)."""
    try:
        relay()
    except Exception as exc:
        if not transient(exc):
            raise


def cancel_if_not_started(flow_run_id: UUID) -> bool:
    """Cancel a run no worker has started; False when one started it meanwhile (it then runs to its end)."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        result = client.set_flow_run_state(flow_run_id, Cancelled(message="ワーカーが受け付けなかったため取り消しました"))
        return result.state is not None and result.state.is_cancelled()


def edition_of(flow_run_id: UUID) -> int | None:
    """The edition a completed publish_report run registered (from its artifact), or None."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    for a in artifacts:
        found = _EDITION.match(a.description or "")
        if found:
            return int(found.group(1))
    return None


def _known_errors() -> dict[str, type[Exception]]:
    """The services' errors people read, by class name: a run that failed with one raises the same class here,
    so the CLI and the pages handle it as they handle it in process."""
    from kpi.domain.editions import EditionRefused
    from kpi.domain.workflow import WorkflowError
    from kpi.services.actors import Forbidden
    from kpi.services.errors import NotFound

    return {c.__name__: c for c in (NotFound, Forbidden, WorkflowError, EditionRefused)}


def failure(outcome: Outcome, what: str) -> Exception:
    """The Japanese error for a run that did not complete (the service's own error class when it raised one)."""
    if not outcome.started:
        return PoolRunFailed(f"{what}を実行するワーカーが応答しません（作業プール {configured()}）。"
                             "prefect worker start --pool で起動しているか確認してください")
    if outcome.state == "CRASHED":
        return PoolRunFailed(f"{what}を実行していたワーカーが停止したため中断されました。もう一度実行してください"
                             + (f"（{outcome.message}）" if outcome.message else ""))
    if outcome.state == "CANCELLED":
        return PoolRunFailed(f"{what}は取り消されました")
    if outcome.state in ("RUNNING", "PENDING"):
        return PoolRunFailed(f"{what}が時間内に終わりませんでした（Prefect の画面で実行 {outcome.flow_run_id} を確認してください）")
    found = _EXCEPTION.match(outcome.message)
    reason = outcome.message[found.end():].strip() if found else outcome.message.strip()
    error = _known_errors().get(found.group(1) or "") if found else None
    if error is not None and reason:
        return error(reason)
    return PoolRunFailed(reason or f"{what}に失敗しました")
