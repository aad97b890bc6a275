"""An uploaded department workbook against what is stored: whose sheet it is, which rows changed since the download,
and which of those may be saved.

The rules, for a sheet the department downloaded (kpi.io.workbook_stamp):
- a sheet of another department or another fiscal year is refused as a whole, naming both;
- a row unchanged since the download, or equal to what is stored now, is left alone and counted by its state
  (承認済, 提出済, 停止中, 下書き, 差戻し): it is what the person did not touch;
- a changed row of a submitted or approved value is refused by row and code, with the reviewer action that
  reopens it (差戻し for 提出済, 承認取消 for 承認済); a changed row of a stopped indicator is refused;
- a changed row someone else saved after the download is refused as a conflict naming who and when;
- every other changed row is saved, checked against the version the download saw.
A sheet without a stamp (made by hand, or older) is compared with what is stored only.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from kpi.domain.formatting import fiscal_year_ja
from kpi.domain.severity import ERROR
from kpi.domain.workflow import ACTION_LABELS_JA, STATE_LABELS_JA, Action, State
from kpi.io.workbook_stamp import Stamp, fingerprint
from kpi.services.batches import Finding
from kpi.services.conflicts import change_text, stored_figure
from kpi.services.entries import RawEntry
from kpi.services.entry_sheet import saved_entry
from kpi.services.workbooks import row_texts

_REOPEN_BY = {State.SUBMITTED: Action.RETURN, State.HEAD_APPROVED: Action.RETURN, State.APPROVED: Action.REOPEN}


@dataclass
class Sorted:
    """The rows to save, the rows left alone (counted by why) and the rows refused."""

    to_save: list[RawEntry] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)


def whose_sheet(stamp: Stamp | None, department: str, fiscal_year: int, entries: list[RawEntry],
                every_row: dict[str, dict], names: dict[str, str]) -> str | None:
    """Why the sheet is not this department's sheet for this year (a sentence naming both), or None."""
    wanted = f"{names.get(department, department)}の{fiscal_year_ja(fiscal_year)}"
    if stamp is not None:
        if (stamp.department, stamp.fiscal_year) == (department, fiscal_year):
            return None
        found = f"{names.get(stamp.department, stamp.department)}の{fiscal_year_ja(stamp.fiscal_year)}"
    else:
        codes = [e.code.strip() for e in entries if (e.code or "").strip()]
        owners = {every_row[c]["department_code"] for c in codes if c in every_row}
        if not codes or any(every_row.get(c, {}).get("department_code") == department for c in codes) \
                or len(owners) != 1:
            return None
        other = owners.pop()
        listed = "、".join(codes[:3]) + (" ほか" if len(codes) > 3 else "")
        return (f"このファイルの指標（{listed}）は{names.get(other, other)}の指標です。{wanted}の入力シートではないため、"
                f"何も取り込んでいません。{wanted}の入力シートをダウンロードして記入してください。")
    return (f"このファイルは{found}の入力シートです。{wanted}の入力シートではないため、何も取り込んでいません。"
            f"{wanted}の入力シートをダウンロードして記入してください。")


def sort_rows(entries: list[RawEntry], stored: dict[str, dict], stamp: Stamp | None,
              category_names: dict[str, str], changes: dict[int, dict]) -> Sorted:
    """Sort a sheet's rows (codes of this department in `stored`, the view rows by code) into save / skip / refuse.

    changes: the last change of each stored value (warehouse.changes.last_changes), for conflict messages."""
    out = Sorted()
    for e in entries:
        row = stored.get((e.code or "").strip())
        if row is None or e.is_blank():  # another department's code, or nothing typed: the checks say so
            out.to_save.append(e)
            continue
        mine = fingerprint(row_texts(e))
        downloaded = stamp.rows.get(row["code"]) if stamp is not None else None
        state = State(row["state"]) if row.get("state") else None
        if state is None and downloaded and mine == downloaded[1]:  # only the download's suggestions: a blank row
            out.to_save.append(RawEntry(code=e.code, row_no=e.row_no))
            continue
        if mine == fingerprint(row_texts(saved_entry(row, category_names))) or (downloaded and mine == downloaded[1]):
            out.skipped["停止中" if row.get("stopped_in_cycle") else STATE_LABELS_JA[state] if state else "未入力"] += 1
            continue
        where = f"{e.row_no}行目「{row['name']}」（{row['code']}）" if e.row_no else f"「{row['name']}」（{row['code']}）"
        if row.get("stopped_in_cycle"):
            out.findings.append(_refuse(e, row, f"{where}は進捗管理を停止している指標のため、入力できません。"
                                                "この行の入力を元に戻してください。"))
        elif state in _REOPEN_BY:
            action = ACTION_LABELS_JA[_REOPEN_BY[state]]
            out.findings.append(_refuse(e, row, (
                f"{where}は{STATE_LABELS_JA[state]}のため変更できません。変更が必要な場合は、審査担当（行政改革推進課）に"
                f"「{action}」を依頼してください。この行を元の内容に戻せば、ほかの行は取り込めます。")))
        elif downloaded is not None and downloaded[0] != row.get("version"):
            out.findings.append(_refuse(e, row, (
                f"{where}は、このファイルのダウンロード後に{change_text(changes.get(row.get('value_id')))}しています"
                f"（保存されている値: {stored_figure(row)}、このファイルの値: {e.value or '（空欄）'}）。"
                "最新の入力シートをダウンロードして記入し直すか、画面で入力してください。")))
        elif downloaded is not None:
            out.to_save.append(replace(e, expected_version=row.get("version"), check_version=True))
        else:
            out.to_save.append(e)
    return out


def _refuse(e: RawEntry, row: dict, message: str) -> Finding:
    return Finding(e.row_no, row["code"], "値", ERROR, message)
