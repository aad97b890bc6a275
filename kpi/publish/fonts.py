"""Where the Japanese font lives on this machine, for the chart renderer and the PDF writer.

Debian's `fonts-noto-cjk` installs /usr/share/fonts/opentype/noto/NotoSansCJK-{Regular,Bold}.ttc: OpenType
collections (CFF outlines) whose face 0 is "Noto Sans CJK JP". fpdf2 2.8 embeds a face of a .ttc directly
(`add_font(..., collection_font_number=0)`), so no conversion is needed. Single-face files from other
packagings (NotoSansCJKjp-Regular.otf, NotoSansJP-Regular.ttf/otf) are accepted too.
"""
from __future__ import annotations

import os
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path

FAMILY = "Noto Sans CJK JP"
FONT_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")
# (file name, face index inside a collection), most preferred first
_REGULAR = (("NotoSansCJK-Regular.ttc", 0), ("NotoSansCJKjp-Regular.otf", 0), ("NotoSansJP-Regular.otf", 0),
            ("NotoSansJP-Regular.ttf", 0), ("NotoSansCJKjp-Regular.ttf", 0))
_BOLD = (("NotoSansCJK-Bold.ttc", 0), ("NotoSansCJKjp-Bold.otf", 0), ("NotoSansJP-Bold.otf", 0),
         ("NotoSansJP-Bold.ttf", 0))


@dataclass(frozen=True)
class FontFile:
    """A font file and the face to use inside it."""

    path: Path
    index: int = 0


def _roots() -> list[Path]:
    extra = os.environ.get("KPI_CJK_FONT_DIR")
    return ([Path(extra)] if extra else []) + [r for r in FONT_ROOTS if r.is_dir()]


def _find(candidates: tuple[tuple[str, int], ...]) -> FontFile | None:
    return _find_in(tuple(_roots()), candidates)


@lru_cache(maxsize=16)
def _find_in(roots: tuple[Path, ...], candidates: tuple[tuple[str, int], ...]) -> FontFile | None:
    for root in roots:
        for name, index in candidates:
            hits = sorted(root.rglob(name))
            if hits:
                return FontFile(hits[0], index)
    return None


def cjk_regular() -> FontFile | None:
    """The regular Japanese font file, or None when no CJK font is installed."""
    return _find(_REGULAR)


def cjk_bold() -> FontFile | None:
    """The bold Japanese font file, or None."""
    return _find(_BOLD)


def cjk_font_dirs() -> list[Path]:
    """Directories holding a Japanese font, for vl_convert.register_font_directory."""
    found = [f.path.parent for f in (cjk_regular(), cjk_bold()) if f is not None]
    return list(dict.fromkeys(found))
