"""The publish_report flow: freeze a cycle's approved values as an edition and generate every output."""
from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows.engine import without_heartbeats
from kpi.platform import progress
from kpi.services import publishing
from kpi.services.actors import Actor


@task
def publish_edition(fiscal_year: int, actor: Actor, note: str | None, db: str | None,
                    progress_token: str | None = None, interim: bool = False,
                    strategy: str | None = None, confirmed: bool = False) -> publishing.Edition:
    """Freeze, generate and register one edition (one transaction for the registration)."""
    logger = get_run_logger()

    def report(fraction: float, text: str) -> None:
        logger.info("%3d%% %s", int(fraction * 100), text)
        progress.report(progress_token, fraction, text)  # to the page or command that started the run

    return publishing.publish(actor, fiscal_year, note=note, interim=interim, db=db, progress=report,
                              strategy=strategy, confirmed=confirmed)


@task
def write_files(edition: publishing.Edition, out: str) -> list[str]:
    """Copy the edition's files into a folder."""
    return publishing.write_files(edition.files, out)


@flow(name="publish_report", log_prints=True)
def publish_report(fiscal_year: int, out: str | None = None, note: str | None = None, db: str | None = None,
                   actor: Actor = publishing.SYSTEM_PUBLISHER, progress_token: str | None = None,
                   interim: bool = False, strategy: str | None = None, confirmed: bool = False) -> dict:
    """Generate all outputs of a cycle from approved data and register the edition (a 速報（中間）版 when interim,
    a 確定値反映版 when confirmed)."""
    edition = publish_edition(fiscal_year, actor, note, db, progress_token, interim, strategy, confirmed)
    written = write_files(edition, out) if out else []
    create_markdown_artifact(key=f"edition-{fiscal_year}-{edition.edition_no}",
                             markdown=f"## {edition.title} {edition.label}\n\n"
                                      + "\n".join(f"- {n}" for n in edition.files),
                             description=f"edition_id={edition.edition_id}")  # read back by kpi.platform.pool
    return {"edition_id": edition.edition_id, "edition_no": edition.edition_no, "edition_label": edition.label,
            "kind": edition.kind, "files": sorted(edition.files), "written": written}


def run_publish(fiscal_year: int, **kwargs) -> dict:
    """publish_report, as kpi.platform.runner starts it for the publish page and the CLI (flows.engine)."""
    with without_heartbeats():
        return publish_report(fiscal_year, **kwargs)
