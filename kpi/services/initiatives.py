"""Initiatives (主な取組) as submissions: save, submit, approve, return, reopen — each one transaction with its audit
rows (entity 'initiative'), through the same workflow table and permissions as the values."""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import warehouse
from kpi.domain.audit_events import AuditEvent, StateChanged
from kpi.domain.initiatives import (MAX_PHOTOS, InitiativeFields, InitiativeInput, PhotoRefused, check_input,
                                    compare, figure_sentence, photo_mime)
from kpi.domain.formatting import fiscal_year_ja
from kpi.domain.normalize import InputError, clean_text
from kpi.domain.workflow import Action, Role, State, WorkflowError, apply
from kpi.io import photos as photos_io
from kpi.services.actors import Actor
from kpi.services.permissions import Permission, allowed, check, check_transition
from kpi.services.summaries import cycle_for
from kpi.services.workflow import Conflict
from warehouse import audit
from warehouse import initiatives as repo

ENTITY = "initiative"


class InitiativeRefused(WorkflowError):
    """The entry has problems; .errors lists each (field and sentence), str() joins them."""

    def __init__(self, errors: list[InputError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class PhotoUpload:
    """A photo as uploaded: file name, bytes, caption."""

    name: str
    content: bytes
    caption: str | None = None


@dataclass(frozen=True)
class Saved:
    """The saved initiative: id and the version to quote next time."""

    initiative_id: int
    version: int


def _conflict(title: str) -> Conflict:
    return Conflict(f"取組「{title}」は他の人が先に更新しました。画面を再読み込みして最新の内容を確認してください。")


def _guard(actor: Actor, action: Action, department: str, cycle: dict) -> Role:
    state = cycle.get("state") or cycle.get("cycle_state")
    return check_transition(actor, action, department, state, cycle["label"], subject="取組の")


def _event(actor: Actor, change: StateChanged, row: dict, *, new: str | None = None) -> AuditEvent:
    return AuditEvent.of_transition(change, actor=actor.login, entity=ENTITY, entity_id=row["initiative_id"],
                                    cycle_id=row["cycle_id"], new_value=new)


def stored(fields: InitiativeFields, sort_order: int = 0) -> dict:
    return {"area_code": fields.area_code, "title": fields.title, "period_text": fields.period_text,
            "points_json": json.dumps(list(fields.points), ensure_ascii=False), "figure_label": fields.figure_label,
            "figure_value": fields.figure_value, "figure_unit": fields.figure_unit, "base_value": fields.base_value,
            "base_kind": fields.base_kind.value if fields.base_kind else None, "continued": fields.continued,
            "sort_order": sort_order}


def checked_photo(upload: PhotoUpload) -> dict:
    """The photo's stored form, after checking its content with Pillow; PhotoRefused (Japanese) otherwise."""
    from PIL import Image, UnidentifiedImageError

    mime = photo_mime(upload.name, upload.content)
    try:
        with Image.open(io.BytesIO(upload.content)) as im:
            fmt, size = im.format, im.size
            im.verify()
    except Image.DecompressionBombError as exc:  # a small file declaring hundreds of millions of pixels
        raise PhotoRefused(f"写真「{upload.name}」は画素数が大きすぎます。") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoRefused(f"写真「{upload.name}」は画像として読み取れません（壊れているか、形式が違います）。") from exc
    if (fmt, mime) not in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        raise PhotoRefused(f"写真「{upload.name}」はPNGまたはJPEGの画像ではありません。")
    if size[0] * size[1] > 40_000_000:
        raise PhotoRefused(f"写真「{upload.name}」は画素数が大きすぎます（{size[0]}×{size[1]}）。")
    try:
        caption = clean_text(upload.caption, field="写真の説明", max_length=100)
    except InputError as exc:
        raise PhotoRefused(str(exc)) from exc
    try:  # stored without EXIF/XMP/IPTC/comments (GPS position, camera, artist), orientation applied
        content, width, height = photos_io.clean(upload.content)
    except (Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoRefused(f"写真「{upload.name}」は画像として読み取れません（壊れているか、形式が違います）。") from exc
    return {"caption": caption, "mime": mime, "content": content,
            "sha256": hashlib.sha256(content).hexdigest(), "width": width, "height": height}


def area_codes(db: Path | str | None = None) -> list[dict]:
    """The areas of the 主な取組 pages (master data), in report order."""
    with warehouse.connect(db) as con:
        return repo.list_areas(con)


def save(actor: Actor, fiscal_year: int, department: str, raw: InitiativeInput, *,
         initiative_id: int | None = None, expected_version: int | None = None,
         photos: list[PhotoUpload] = (), remove_photos: list[int] = (), db: Path | str | None = None) -> Saved:
    """Save an initiative as a draft (new, or a draft/returned one again), with photos added or removed; audited.

    Every problem of the entry is reported at once (InitiativeRefused), photos too (PhotoRefused); nothing is
    stored then, and the page keeps what was typed.
    """
    checked = [checked_photo(p) for p in photos]
    with warehouse.transaction(db) as con:
        cycle = cycle_for(con, fiscal_year)
        old = None
        if initiative_id is not None:
            old = repo.get_initiative(con, initiative_id)
            if old is None or old["cycle_id"] != cycle["cycle_id"]:
                raise WorkflowError(f"取組（ID {initiative_id}）が見つかりません。画面を再読み込みしてください。")
            department = old["department_code"]
        role = _guard(actor, Action.SAVE, department, cycle)
        fields, errors = check_input(raw, {a["code"] for a in repo.list_areas(con)})
        if errors:
            raise InitiativeRefused(errors)
        before = old["state"] if old else None
        moved, change = apply(State(before) if before else None, Action.SAVE, role)
        after = moved.value
        if old is None:
            row_id = repo.insert_initiative(con, {"cycle_id": cycle["cycle_id"], "department_code": department,
                                                  "state": after, "entered_by": actor.login, **stored(fields)})
            version = 1
        else:
            if expected_version is not None and old["version"] != expected_version:
                raise _conflict(old["title"])
            version = repo.update_initiative(con, initiative_id, old["version"],
                                             stored(fields, old["sort_order"]), state=after, entered_by=actor.login)
            if version is None:
                raise _conflict(old["title"])
            row_id = initiative_id
        existing = repo.photos_of(con, [row_id])[row_id]
        for pid in remove_photos:
            repo.delete_photo(con, row_id, pid)
        if len(existing) - len(set(remove_photos)) + len(checked) > MAX_PHOTOS:
            raise PhotoRefused(f"写真は1件の取組につき{MAX_PHOTOS}枚までです。")
        for ph in checked:
            repo.insert_photo(con, row_id, uploaded_by=actor.login, **ph)
        row = {"initiative_id": row_id, "cycle_id": cycle["cycle_id"]}
        sentence = figure_sentence(fields.figure_label, fields.figure_value, fields.figure_unit, fields.base_value,
                                   fields.base_kind)
        audit.record(con, _event(actor, change, row, new=fields.title + (f"／{sentence}" if sentence else "")
                                 + (f"／写真{len(checked)}枚追加" if checked else "")
                                 + (f"／写真{len(remove_photos)}枚削除" if remove_photos else "")))
    return Saved(row_id, version)


def act(actor: Actor, initiative_id: int, expected_version: int, action: Action, *, comment: str | None = None,
        db: Path | str | None = None) -> int:
    """Submit, approve, return (comment required) or reopen (comment required) one initiative; the new version."""
    if action is Action.SAVE:
        raise ValueError("use save()")
    with warehouse.transaction(db) as con:
        row = repo.get_initiative(con, initiative_id)
        if row is None:
            raise WorkflowError(f"取組（ID {initiative_id}）が見つかりません。画面を再読み込みしてください。")
        cycle = {"state": con.execute("SELECT state FROM cycles WHERE cycle_id = ?", [row["cycle_id"]]).fetchone()[0],
                 "label": fiscal_year_ja(row["fiscal_year"])}
        role = _guard(actor, action, row["department_code"], cycle)
        if row["version"] != expected_version:
            raise _conflict(row["title"])
        after, change = apply(State(row["state"]), action, role, comment=comment, actor=actor.login,
                              entered_by=row["entered_by"])
        version = repo.update_state(con, initiative_id, expected_version, after.value, actor=actor.login,
                                    comment=comment.strip() if comment and comment.strip() else None)
        if version is None:
            raise _conflict(row["title"])
        audit.record(con, _event(actor, change, row))
    return version


def submit(actor: Actor, initiative_id: int, version: int, db: Path | str | None = None) -> int:
    """Submit a draft initiative (its department's editor)."""
    return act(actor, initiative_id, version, Action.SUBMIT, db=db)


def approve(actor: Actor, initiative_id: int, version: int, db: Path | str | None = None) -> int:
    """Approve a submitted initiative (a reviewer who did not enter it)."""
    return act(actor, initiative_id, version, Action.APPROVE, db=db)


def return_initiative(actor: Actor, initiative_id: int, version: int, comment: str,
                      db: Path | str | None = None) -> int:
    """Return a submitted initiative to its department with a comment."""
    return act(actor, initiative_id, version, Action.RETURN, comment=comment, db=db)


def reopen(actor: Actor, initiative_id: int, version: int, reason: str, db: Path | str | None = None) -> int:
    """Take an approved initiative back to draft (reason required)."""
    return act(actor, initiative_id, version, Action.REOPEN, comment=reason, db=db)


def _with_comparison(r: dict) -> dict:
    c = compare(r.get("figure_value"), r.get("base_value"), r.get("base_kind"))
    r["comparison"] = c.text if c else None
    r["figure_sentence"] = figure_sentence(r.get("figure_label"), r.get("figure_value"), r.get("figure_unit"),
                                           r.get("base_value"), r.get("base_kind"))
    return r


def list_for(actor: Actor, fiscal_year: int, *, department: str | None = None, states: list[str] | None = None,
             db: Path | str | None = None) -> list[dict]:
    """Initiatives of a cycle the actor may see: editors their departments' (any state), reviewers every one,
    everyone else the approved ones only. Each row has its computed comparison and figure sentence."""
    check(actor, Permission.VIEW_APPROVED)
    if allowed(actor, Permission.VIEW_UNAPPROVED_ALL):
        depts = [department] if department else None
    elif allowed(actor, Permission.VIEW_UNAPPROVED):  # an editor: their own departments
        mine = sorted(actor.departments)
        depts = [department] if department in mine else (mine if department is None else [])
    else:
        depts, states = ([department] if department else None), ["approved"]
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        rows = repo.list_initiatives(con, cycle["cycle_id"], departments=depts, states=states)
    if not allowed(actor, Permission.VIEW_UNAPPROVED_ALL) and allowed(actor, Permission.VIEW_UNAPPROVED):
        # an editor also reads the approved initiatives of other departments
        if department is None and states is None:
            with warehouse.connect(db) as con:
                others = repo.list_initiatives(con, cycle["cycle_id"], states=["approved"])
            seen = {r["initiative_id"] for r in rows}
            rows += [r for r in others if r["initiative_id"] not in seen]
    return [_with_comparison(r) for r in rows]


def approved_by_area(actor: Actor, fiscal_year: int, db: Path | str | None = None) -> list[tuple[dict, list[dict]]]:
    """The approved initiatives of a cycle grouped by area in report order (for the executive view)."""
    check(actor, Permission.VIEW_APPROVED)
    with warehouse.connect(db) as con:
        cycle = cycle_for(con, fiscal_year)
        areas = repo.list_areas(con, active_only=False)
        rows = repo.list_initiatives(con, cycle["cycle_id"], states=["approved"])
    out = []
    for a in areas:
        mine = [_with_comparison(r) for r in rows if r["area_code"] == a["code"]]
        if mine:
            out.append((a, mine))
    return out


def photos(actor: Actor, initiative_id: int, db: Path | str | None = None) -> list[dict]:
    """The photos of an initiative with their bytes, for whoever may see the initiative."""
    with warehouse.connect(db) as con:
        row = repo.get_initiative(con, initiative_id)
        if row is None:
            return []
        if row["state"] != "approved":
            check(actor, Permission.VIEW_UNAPPROVED, row["department_code"])
        else:
            check(actor, Permission.VIEW_APPROVED)
        return repo.photos_of(con, [initiative_id], content=True)[initiative_id]


def my_departments(actor: Actor, db: Path | str | None = None) -> dict[str, str]:
    """The actor's own departments, code → name (for the entry form)."""
    from warehouse import master

    with warehouse.connect(db) as con:
        return {d["code"]: d["name"] for d in master.list_departments(con) if d["code"] in actor.departments}
