"""publish_report as a real flow run: an open year is refused as a 公表版 (nothing written, the Japanese reason
raised as it is) and made as a 速報（中間）版 with interim=True."""
from __future__ import annotations

from pathlib import Path

import pytest

from flows.publish import publish_report
from kpi.domain.editions import EditionRefused


def test_the_flow_refuses_an_open_year_and_makes_its_interim_edition(demo_db, tmp_path):
    with pytest.raises(EditionRefused, match="令和4年度は受付中（承認済 0 / 全 67 指標）"):
        publish_report(2022, out=str(tmp_path / "refused"), db=str(demo_db))
    assert not (tmp_path / "refused").exists()
    result = publish_report(2022, out=str(tmp_path / "out"), db=str(demo_db), interim=True)
    assert (result["edition_label"], result["kind"]) == ("速報（中間）版 第1版", "interim")
    assert (tmp_path / "out" / "2022_interim_v1.pdf").read_bytes()[:4] == b"%PDF"
    assert sorted(Path(p).name for p in result["written"])[:3] == ["2022_interim_v1.pdf", "2022_interim_v1.pptx",
                                                                  "2022_interim_v1.xlsx"]
