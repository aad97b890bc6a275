"""Text-length estimation and pagination of slide bodies, so no list ever overflows its box.

A slide body is a list of blocks (an indicator with its reason, a category heading …); each block is a list of
paragraphs. Heights are estimated from the characters (full-width = 1 em, half-width ≈ 0.6 em) and an exact
line spacing the deck also sets on every paragraph, so the estimate and the drawing use the same numbers.
Blocks are never split unless one alone is taller than a page; then its long text is cut into pieces.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field, replace

LINE_SPACING = 1.3  # the deck sets exactly this many points per point of type
SAFETY = 0.92  # keep this share of the box: margins and glyph-width variance


@dataclass(frozen=True)
class Run:
    """A span of text with its size, weight and colour (RGB hex or None)."""

    text: str
    size: float
    bold: bool = False
    colour: str | None = None


@dataclass(frozen=True)
class Para:
    """A paragraph: runs, left indent in points, space before in points."""

    runs: tuple[Run, ...]
    indent: float = 0.0
    space_before: float = 4.0

    @property
    def size(self) -> float:
        """The largest type size of the paragraph (it sets the line height)."""
        return max(r.size for r in self.runs)


@dataclass
class Block:
    """Paragraphs that belong together on one page; `group` is the heading they sit under, if any."""

    paras: list[Para]
    group: str | None = None
    extra: dict = field(default_factory=dict)


def text_em(text: str) -> float:
    """The width of a text in ems: full-width and wide characters 1, others about 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.6 for ch in text)


def para_height(p: Para, width_pt: float) -> float:
    """Estimated height in points of a paragraph set in a box `width_pt` wide."""
    usable = max(width_pt - p.indent, 10.0)
    ems = sum(text_em(r.text) * r.size for r in p.runs)  # width in points if on one line
    lines = max(1, math.ceil(ems / usable))
    return p.space_before + lines * p.size * LINE_SPACING


def block_height(b: Block, width_pt: float) -> float:
    """Estimated height of a block."""
    return sum(para_height(p, width_pt) for p in b.paras)


def _split_para(p: Para, width_pt: float, height_pt: float) -> list[Para]:
    """Cut a one-run paragraph into pieces that each fit in `height_pt` (only long reasons need this)."""
    run = p.runs[-1]
    lines_fit = max(1, int((height_pt - p.space_before) // (p.size * LINE_SPACING)))
    ems_per_line = max((width_pt - p.indent) / run.size, 1.0)
    budget = lines_fit * ems_per_line * 0.95
    pieces, cur, used = [], "", 0.0
    for ch in run.text:
        w = text_em(ch)
        if used + w > budget and cur:
            pieces.append(cur)
            cur, used = "", 0.0
        cur += ch
        used += w
    pieces.append(cur)
    first = replace(p, runs=p.runs[:-1] + (replace(run, text=pieces[0]),))
    rest = [Para((replace(run, text=t),), p.indent, 0.0) for t in pieces[1:]]
    return [first, *rest]


def _fit(block: Block, width_pt: float, capacity: float) -> list[Block]:
    """A block too tall for a page becomes several blocks, cutting its longest paragraphs."""
    if block_height(block, width_pt) <= capacity:
        return [block]
    paras: list[Para] = []
    for p in block.paras:
        paras.extend(_split_para(p, width_pt, capacity * 0.8) if para_height(p, width_pt) > capacity * 0.8 else [p])
    out, cur, h = [], [], 0.0
    for p in paras:
        ph = para_height(p, width_pt)
        if cur and h + ph > capacity:
            out.append(Block(cur, block.group, block.extra))
            cur, h = [], 0.0
        cur.append(p)
        h += ph
    out.append(Block(cur, block.group, block.extra))
    return out


def paginate(blocks: list[Block], width_pt: float, height_pt: float,
             heading: callable | None = None) -> list[list[Para]]:
    """Pack blocks into pages of `height_pt`; `heading(group, continued)` gives a group's heading paragraph."""
    capacity = height_pt * SAFETY
    pages: list[list[Para]] = []
    cur: list[Para] = []
    used = 0.0
    open_group: str | None = None
    for block in blocks:
        for piece in _fit(block, width_pt, capacity - _h(heading, block.group, width_pt)):
            need = block_height(piece, width_pt)
            new_group = heading and piece.group is not None and piece.group != open_group
            if new_group:
                need += _h(heading, piece.group, width_pt)
            if cur and used + need > capacity:
                pages.append(cur)
                cur, used = [], 0.0
                if heading and piece.group is not None and not new_group:
                    hp = heading(piece.group, True)
                    cur.append(hp)
                    used += para_height(hp, width_pt)
            if new_group:
                hp = heading(piece.group, False)
                cur.append(hp)
                used += para_height(hp, width_pt)
                open_group = piece.group
            cur.extend(piece.paras)
            used += block_height(piece, width_pt)
    if cur or not pages:
        pages.append(cur)
    return pages


def _h(heading, group: str | None, width_pt: float) -> float:
    if group is None or heading is None:
        return 0.0
    return para_height(heading(group, True), width_pt)
