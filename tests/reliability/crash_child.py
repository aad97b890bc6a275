"""The process the crash tests kill: runs one real service job against a warehouse file.

    python -m tests.reliability.crash_child form DB '[{"department": "GYOKAKU", "entries": [...]}, ...]'
    python -m tests.reliability.crash_child approve DB '[[value_id, version], ...]'
    python -m tests.reliability.crash_child publish DB

It prints "ready" once imported (the time-based kills count from there) and "done" at the end; $KPI_CRASH_AT
(kpi/platform/faults.py) may kill it at a named point first.
"""
from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    scenario, db = argv[0], argv[1]
    from kpi.services import intake, publishing, workflow
    from kpi.services.entries import RawEntry
    from kpi.services.workflow import ValueRef
    from tests.services.workflow_helpers import REVIEWER

    print("ready", flush=True)
    if scenario == "form":
        for batch in json.loads(argv[2]):
            dept = batch["department"]
            batch_id = intake.receive(intake.cli_actor(dept), 2022, dept, [RawEntry(**e) for e in batch["entries"]],
                                      db=db)
            report = intake.process(batch_id, db=db)
            print(f"batch {batch_id} {report.status}", flush=True)
    elif scenario == "approve":
        result = workflow.approve_many(REVIEWER, [ValueRef(v, n) for v, n in json.loads(argv[2])], db,
                                       comment="一括承認（障害試験）")
        print(f"approved {len(result.done)} skipped {len(result.skipped)}", flush=True)
    elif scenario == "publish":
        edition = publishing.publish(publishing.SYSTEM_PUBLISHER, 2021, note="障害試験", db=db)
        print(f"edition {edition.edition_no}", flush=True)
    else:
        raise SystemExit(f"unknown scenario {scenario}")
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
