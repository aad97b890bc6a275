"""Publishing freezes an edition: later corrections never change what was published; editions can be compared."""
from __future__ import annotations

import io

import pytest
from pptx import Presentation

import warehouse
from kpi.domain.workflow import Role
from kpi.services import publishing
from kpi.services.actors import Actor, Forbidden
from kpi.services.summaries import band_groups

REVIEWER = Actor("reviewer", "審査担当", frozenset({Role.REVIEWER}))
EXECUTIVE = Actor("executive", "幹部", frozenset({Role.EXECUTIVE}))


@pytest.fixture(scope="module")
def published(demo_db_template, tmp_path_factory):
    """A demo warehouse with edition 1 of FY2021 published."""
    import shutil

    path = tmp_path_factory.mktemp("pub") / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    edition = publishing.publish(REVIEWER, 2021, db=path)
    return path, edition


def test_an_edition_holds_every_output(published):
    _path, edition = published
    assert edition.edition_no == 1
    names = sorted(edition.files)
    assert names == ["2021_report_v1.pdf", "2021_report_v1.pptx", "2021_report_v1.xlsx", "opendata/indicators.csv",
                     "opendata/indicators.json", "opendata/initiatives.csv", "opendata/initiatives.json",
                     "opendata/metadata.json", "opendata/summary.csv"]
    deck = Presentation(io.BytesIO(edition.files["2021_report_v1.pptx"]))
    text = " ".join(sh.text_frame.text for s in deck.slides for sh in s.shapes if sh.has_text_frame)
    assert "第1版" in text


@pytest.mark.parametrize("who", [EXECUTIVE, Actor("e", "入力", frozenset({Role.EDITOR}), frozenset({"GYOKAKU"})),
                                 Actor("a", "管理", frozenset({Role.ADMIN}))])
def test_only_reviewers_publish(demo_db, who):
    with pytest.raises(Forbidden):
        publishing.publish(who, 2021, db=demo_db)


def test_executives_download_published_editions(published):
    path, edition = published
    listed = publishing.list_editions(EXECUTIVE, 2021, db=path)
    assert [e["edition_no"] for e in listed] == [1]
    files = {f["name"]: f["content"] for f in publishing.edition_files(EXECUTIVE, listed[0]["edition_id"], db=path)}
    assert files == edition.files


def test_a_later_correction_never_changes_a_published_edition_and_the_difference_is_shown(published, tmp_path):
    import shutil

    path = tmp_path / "kpi.duckdb"
    shutil.copy(published[0], path)
    first = publishing.list_editions(REVIEWER, 2021, db=path)[0]["edition_id"]
    with warehouse.transaction(path) as con:  # a correction: RPA 5,445 h → 6,000 h
        con.execute("UPDATE indicator_values SET value_number = 6000, value_text = '6,000時間' WHERE indicator_id ="
                    " (SELECT indicator_id FROM indicators WHERE name = 'RPA導入により削減した作業時間')")
    frozen = publishing.edition_view(REVIEWER, first, db=path)
    assert band_groups(frozen)[1].counts  # pillar 1 as published
    assert {b.value: n for b, n in band_groups(frozen)[1].counts.items()}["achieved"] == 7
    second = publishing.publish(REVIEWER, 2021, note="RPA削減時間の訂正", db=path)
    assert second.edition_no == 2
    changes = publishing.diff_editions(REVIEWER, first, second.edition_id, db=path)
    assert [(c["指標"], c["変更前の値"], c["変更後の値"], c["変更後の区分"]) for c in changes] == [
        ("RPA導入により削減した作業時間", "5,445時間", "6,000時間", "100%（達成）")]
    with warehouse.connect(path) as con:
        audit = con.execute("SELECT action, new_value, comment FROM audit_log WHERE entity = 'edition'"
                            " ORDER BY audit_id").fetchall()
    assert audit == [("publish", "第1版", None), ("publish", "第2版", "RPA削減時間の訂正")]
