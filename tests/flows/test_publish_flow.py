"""publish_report runs as a real flow and writes every output; `kpi publish` does the same from the shell."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flows.publish import publish_report

KPI = Path(sys.executable).parent / "kpi"


def test_publish_report_flow_generates_the_outputs_and_registers_the_edition(demo_db, tmp_path):
    result = publish_report(2021, out=str(tmp_path / "out"), db=str(demo_db))
    assert result["edition_no"] == 1
    written = sorted(Path(p).relative_to(tmp_path / "out").as_posix() for p in result["written"])
    assert written == sorted(result["files"])
    assert (tmp_path / "out" / "2021_report_v1.pptx").read_bytes()[:2] == b"PK"
    assert (tmp_path / "out" / "2021_report_v1.pdf").read_bytes()[:4] == b"%PDF"


def test_kpi_publish_writes_the_files_into_the_folder(demo_db, tmp_path):
    out = subprocess.run([str(KPI), "publish", "--cycle", "2021", "--out", str(tmp_path / "o"), "--db", str(demo_db),
                          "--no-flow", "--as", "reviewer"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "第1版を公表しました" in out.stdout
    assert (tmp_path / "o" / "opendata" / "metadata.json").exists()
