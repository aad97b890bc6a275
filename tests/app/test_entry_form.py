"""The entry form's memory (app/entry_form.py) over a plain dict: untouched fields follow what is stored, typed ones
stay and are 未保存, and a save sends the version the person saw."""
from __future__ import annotations

from dataclasses import dataclass

from app import entry_form, state
from kpi.domain.entry_prefill import Suggestion
from kpi.services.entries import RawEntry


@dataclass(frozen=True)
class Line:
    code: str
    version: int | None
    saved: RawEntry


def line(version, value="", kind="") -> Line:
    return Line("P1-1-01", version, RawEntry(code="P1-1-01", value=value, kind=kind))


def key(field: str) -> str:
    return state.entry_key("P1-1-01", field)


def test_an_untouched_field_follows_what_is_stored():
    ss: dict = {}
    entry_form.sync(ss, line(1, "600人", "実績値"))
    form = entry_form.sync(ss, line(2, "650人", "実績値"))  # an upload landed 650
    assert ss[key("value")] == "650人" and not form.unsaved and not form.stale
    assert form.typed.expected_version == 2


def test_a_typed_field_stays_is_unsaved_and_keeps_the_version_it_was_typed_over():
    ss: dict = {}
    entry_form.sync(ss, line(1, "600人", "実績値"))
    ss[key("value")] = "610"
    form = entry_form.sync(ss, line(1, "600人", "実績値"))
    assert form.unsaved == ("value",) and form.unsaved_labels == "値" and not form.stale
    form = entry_form.sync(ss, line(2, "650人", "見込値"))  # someone else saved meanwhile
    assert ss[key("value")] == "610" and ss[key("kind")] == "見込値"  # mine kept, the untouched field refreshed
    assert form.stale and form.typed.expected_version == 1  # a save is checked against what I saw


def test_keeping_mine_takes_the_stored_version_and_taking_stored_drops_the_text():
    ss: dict = {}
    entry_form.sync(ss, line(1, "600人"))
    ss[key("value")] = "610"
    entry_form.sync(ss, line(2, "650人"))
    entry_form.keep_mine(ss, line(2, "650人"))
    form = entry_form.sync(ss, line(2, "650人"))
    assert not form.stale and form.typed.expected_version == 2 and form.typed.value == "610"
    entry_form.take_stored(ss, line(2, "650人"))
    form = entry_form.sync(ss, line(2, "650人"))
    assert ss[key("value")] == "650人" and not form.unsaved


def test_a_locked_line_always_shows_what_is_stored():
    ss: dict = {key("value"): "typed before it was approved"}
    form = entry_form.sync(ss, line(3, "700人"), locked=True)
    assert ss[key("value")] == "700人" and not form.unsaved


@dataclass(frozen=True)
class SuggestedLine:
    code: str
    version: int | None
    saved: RawEntry
    suggested: Suggestion


def suggested(version=None, value="", period="") -> SuggestedLine:
    return SuggestedLine("P1-1-01", version, RawEntry(code="P1-1-01", value=value, period=period),
                         Suggestion("R4.10時点", "その他の理由"))


def test_a_suggestion_shows_in_an_empty_field_and_is_not_unsaved():
    ss: dict = {}
    form = entry_form.sync(ss, suggested())
    assert (ss[key("period")], ss[key("reason_category")]) == ("R4.10時点", "その他の理由")
    assert not form.unsaved  # nothing to save: the suggestion alone is never stored
    ss[key("value")] = "300"  # the person types a figure: the suggestion goes with it
    form = entry_form.sync(ss, suggested())
    assert form.unsaved == ("value",)
    assert (form.typed.value, form.typed.period, form.typed.reason_category) == ("300", "R4.10時点", "その他の理由")


def test_a_suggestion_never_replaces_what_was_typed_or_a_stored_draft():
    ss: dict = {key("period"): "R4.11時点"}  # typed before the line was first synced
    form = entry_form.sync(ss, suggested())
    assert ss[key("period")] == "R4.11時点" and form.unsaved == ("period",)
    ss = {}
    entry_form.sync(ss, suggested())
    ss[key("period")] = ""  # the person clears the suggestion: it stays cleared
    entry_form.sync(ss, suggested())
    assert ss[key("period")] == ""
    ss = {}
    form = entry_form.sync(ss, suggested(1, "280人", ""))  # a draft is stored: it shows as stored, no suggestion
    assert (ss[key("period")], ss[key("reason_category")]) == ("", "") and not form.unsaved


@dataclass(frozen=True)
class StatedLine(Line):
    state_key: str | None = None


def test_the_reason_fields_show_when_they_hold_text_a_reason_is_asked_the_line_was_returned_or_once_opened():
    def shown(ln, band="—", ss=None, **typed) -> bool:
        ss = {} if ss is None else ss
        entry_form.sync(ss, ln)
        for f, text in typed.items():
            ss[key(f)] = text
        return entry_form.reasons_shown(ss, ln, entry_form.sync(ss, ln), band)

    empty = StatedLine("P1-1-01", None, RawEntry(code="P1-1-01"))
    assert not shown(empty)  # nothing typed, nothing asked: only the button is drawn
    assert not shown(empty, band="100%以上")  # achieved: no reason asked
    assert shown(empty, band="60%以上100%未満")  # short of the target: the reason is asked
    assert shown(empty, remark="速報値")  # typed text is never out of sight
    stored = StatedLine("P1-1-01", 1, RawEntry(code="P1-1-01", value="1", reason_category="その他の理由"))
    assert shown(stored)
    assert shown(StatedLine("P1-1-01", 1, RawEntry(code="P1-1-01", value="1"), "returned"))
    ss: dict = {}
    entry_form.open_reasons(ss, "P1-1-01")  # the person opened them: they stay, even empty and achieved
    assert shown(empty, band="100%以上", ss=ss)
