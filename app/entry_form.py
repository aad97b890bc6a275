"""The entry form's memory of what the person saw: the stored version each line was based on, and what is unsaved.

A line's baseline (in session state under state.entry_seen) is the version and the stored texts the person saw when
the line was last untouched. While a field still holds the baseline text it is untouched, and it is refreshed to
what is stored now (an upload or someone else's save shows at once); a field the person changed keeps their text
and is 未保存. A save sends the baseline version, so a value someone else changed meanwhile is a conflict, never a
silent overwrite. Works on any mutable mapping (st.session_state in the app, a dict in tests).
"""
from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass

from app import state
from kpi.domain.bands import Band
from kpi.services.entries import FIELD_LABELS, RawEntry

FIELDS = ("value", "kind", "period", "reason", "reason_category", "remark")
REASON_FIELDS = ("reason", "reason_category", "remark")  # drawn when they matter or once opened (reasons_shown)
REASONS_BUTTON = "要因・要因の分類・備考を入力する"  # the button that draws a line's reason fields before they matter
SHORT_OF_TARGET = frozenset(b.label_ja for b in (Band.B60_100, Band.B30_60, Band.UNDER_30))


@dataclass(frozen=True)
class LineForm:
    """One line of the form as the person has it now."""

    typed: RawEntry  # what the fields hold, with the baseline version as the expected version
    unsaved: tuple[str, ...]  # fields whose text differs from what is stored
    stale: bool  # someone changed the stored value after the person began editing the line

    @property
    def unsaved_labels(self) -> str:
        """The unsaved fields by their Japanese labels (値、要因)."""
        return "、".join(FIELD_LABELS[f] for f in self.unsaved)


def widget(code: str, field: str) -> dict:
    """The key and state keeping of one field's widget (st.text_input(..., **widget(code, "value"))).

    The browser mounts a page's widgets afresh, sending no values, on a page switch (a click on 入力, even on 入力, as
    right after a reload): what the field then shows is what the server sends with it. Streamlit
    sends a keyed widget's value on such a mount only for widgets that keep their state (persist_state); without it
    the field showed its default, empty, while session state (the rates, the save) held the stored text. With
    "session" the value is sent on every mount, and what the person typed also survives a visit to another page."""
    return {"key": state.entry_key(code, field), "persist_state": "session"}


def stored_texts(line) -> dict[str, str]:
    """The texts a line's untouched fields show, field by field: what is stored; for an indicator with no value yet
    in the cycle, the empty fields show the suggestion from last year's approved value (the period moved on a year,
    the reason category) instead. A suggestion counts as untouched, so it is saved only with something the person
    typed, and it never replaces what the person typed or a saved draft."""
    stored = {f: getattr(line.saved, f) or "" for f in FIELDS}
    suggested = getattr(line, "suggested", None)
    if line.version is None and suggested is not None:  # no value stored in the cycle yet
        stored.update({f: t for f, t in suggested.fields().items() if not stored[f]})
    return stored


def sync(ss: MutableMapping, line, locked: bool = False) -> LineForm:
    """Refresh the untouched fields of a line to what is stored and return what the form holds.

    Call before the line's widgets are created in the run, each with widget(). Locked lines always show what is
    stored."""
    stored = stored_texts(line)
    seen = ss.get(state.entry_seen(line.code)) or {"version": line.version, "saved": stored}
    typed = {}
    for f in FIELDS:
        key = state.entry_key(line.code, f)
        # Assigned only when it must change: a value set here overrides the browser's, even a keystroke in flight.
        if key not in ss or ((locked or (ss[key] or "") == seen["saved"][f]) and (ss[key] or "") != stored[f]):
            ss[key] = stored[f]
        typed[f] = ss[key] or ""
    unsaved = tuple(f for f in FIELDS if typed[f] != stored[f])
    if unsaved:
        seen = {"version": seen["version"],
                "saved": {f: seen["saved"][f] if f in unsaved else stored[f] for f in FIELDS}}
    else:
        seen = {"version": line.version, "saved": stored}
    ss[state.entry_seen(line.code)] = seen
    entry = RawEntry(code=line.code, expected_version=seen["version"], **typed)
    return LineForm(entry, unsaved, bool(unsaved) and seen["version"] != line.version)


def reasons_shown(ss: MutableMapping, line, form: LineForm, band: str) -> bool:
    """Whether a line's 要因・要因の分類・備考 are drawn: when they matter (they hold text, stored, suggested or typed;
    the typed figure is short of its target, so a reason is asked before submitting; or the line was returned), or
    once the person has opened them with their button (open_reasons). Otherwise only that button is drawn (a page
    of many lines is drawn faster). Once shown they stay: there is nothing to close, so no text and no asked
    reason is ever out of sight, and the fields stay where they are when they come to matter."""
    return (bool(ss.get(state.entry_reasons(line.code))) or line.state_key == "returned"
            or band in SHORT_OF_TARGET or any(getattr(form.typed, f) for f in REASON_FIELDS))


def open_reasons(ss: MutableMapping, code: str) -> None:
    """The person opens a line's 要因・要因の分類・備考 (the button's callback): shown from now on in the session."""
    ss[state.entry_reasons(code)] = True


def keep_mine(ss: MutableMapping, line) -> None:
    """The person has seen the other change and keeps their text: the next save overwrites the stored value."""
    seen = ss.get(state.entry_seen(line.code))
    if seen is not None:
        ss[state.entry_seen(line.code)] = {**seen, "version": line.version}


def take_stored(ss: MutableMapping, line) -> None:
    """Drop what the person typed in a line: it shows what is stored again."""
    for f in FIELDS:
        ss.pop(state.entry_key(line.code, f), None)
    ss.pop(state.entry_seen(line.code), None)


def seen_version(ss: MutableMapping, line) -> int | None:
    """The version of a line the person's form is based on (the stored one when the line is untouched)."""
    seen = ss.get(state.entry_seen(line.code))
    return line.version if seen is None else seen["version"]
