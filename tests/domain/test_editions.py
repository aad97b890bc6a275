"""Which edition a cycle may be published as: the table of (state, interim) → kind or refusal, and the labels."""
from __future__ import annotations

import pytest

from kpi.domain.editions import (Coverage, EditionKind, EditionRefused, PillarCoverage, edition_kind, edition_label,
                                 interim_notice)

COVERAGE = Coverage((PillarCoverage(1, "波及効果の高いプロジェクト", 3, 11), PillarCoverage(2, "個別施策", 5, 48),
                     PillarCoverage(3, "推進を支える土台づくり", 0, 8)))

# state, interim asked, expected kind (None: refused)
TABLE = [
    ("preparing", False, None), ("preparing", True, None),
    ("open", False, None), ("open", True, EditionKind.INTERIM),
    ("closed", False, EditionKind.FINAL), ("closed", True, None),
    ("finalized", False, EditionKind.FINAL), ("finalized", True, None),
]


@pytest.mark.parametrize(("state", "interim", "expected"), TABLE)
def test_edition_kind_follows_the_table(state, interim, expected):
    if expected is None:
        with pytest.raises(EditionRefused):
            edition_kind(state, interim=interim, label="令和4年度", coverage=COVERAGE)
    else:
        assert edition_kind(state, interim=interim, label="令和4年度", coverage=COVERAGE) is expected


def test_a_refusal_names_the_year_the_state_and_the_coverage():
    with pytest.raises(EditionRefused) as exc:
        edition_kind("open", interim=False, label="令和4年度", coverage=COVERAGE)
    assert "令和4年度は受付中（承認済 8 / 全 67 指標）" in str(exc.value)
    assert "速報（中間）版" in str(exc.value)


def test_coverage_sums_its_pillars():
    assert (COVERAGE.approved, COVERAGE.total, COVERAGE.complete) == (8, 67, False)
    assert COVERAGE.pillars[1].text == "承認済 5 / 48"
    assert Coverage((PillarCoverage(1, "x", 2, 2),)).complete


@pytest.mark.parametrize(("no", "kind", "label"), [(1, "final", "第1版"), (3, EditionKind.FINAL, "第3版"),
                                                   (2, "interim", "速報（中間）版 第2版")])
def test_edition_labels(no, kind, label):
    assert edition_label(no, kind) == label


def test_the_interim_notice_carries_the_coverage():
    assert interim_notice("令和4年度", COVERAGE) == "速報（中間）版（承認済 8 / 全 67 指標）：令和4年度は受付中で、数値は確定していません"
