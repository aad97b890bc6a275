"""Adversarial text for the fuzz properties: what a careless paste, a hostile user or a broken tool can type."""
from __future__ import annotations

import re
import sys
import unicodedata

from hypothesis import strategies as st

#: every decimal digit Unicode knows (category Nd: full-width, Arabic-Indic, Devanagari, Thai, Mathematical …)
ND_DIGITS = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Nd"]

FORMULAS = ["=cmd|' /C calc'!A0", "=1+1", "+1", "-1", "@SUM(A1:A2)", '=HYPERLINK("http://x","y")',
            "＝1+1", "\t=1", "\r=1", "=DDE(\"cmd\";\"/C calc\";\"A0\")"]
HTML = ["<script>window.__xss=1</script>", '<img src=x onerror="window.__xss=2">', "<b>太字</b>",
        "javascript:alert(1)", "<svg onload=alert(1)>", "&lt;script&gt;", "]]><!--"]
SQL = ["'; DROP TABLE indicator_values; --", "\" OR 1=1 --", "1; DELETE FROM audit_log", "' UNION SELECT * FROM users --",
       "Robert'); DROP TABLE users;--"]
CONTROL = ["\x00", "\x07", "\x1b[31m", "\x7f", "\u0085", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029",
           "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u200e", "\u061c", "\ud800", "\udfff", "\U0001f469\u200d\U0001f4bb"]
FIGURES = ["３６，８２１人", "36,821", "約3.6万人", "▲5", "７３．５％", "5,445時間", "437,322千枚", "1e5", "NaN", "Infinity",
           "-0", "0.00001", "99999999999999", "1,5", "3,68,21", "10²", "①", "½", "３万５千", "令和3年度", "R元", "平成32年度",
           "FY2021", "2021年", "ー", "―", "", " ", "達成", "未整備", "県・52市町村・2林業事業体"]

ADVERSARIAL = FORMULAS + HTML + SQL + CONTROL + FIGURES

_any_char = st.characters(codec=None, categories=None)  # every code point, surrogates included
_nd = st.sampled_from(ND_DIGITS)
_piece = st.one_of(
    st.sampled_from(ADVERSARIAL),
    st.text(alphabet=_any_char, max_size=20),
    st.text(alphabet=_nd, min_size=1, max_size=8),
    st.text(alphabet=st.sampled_from(list("0123456789０１２３４５６７８９,，.．、万千人％%▲△-+ 　")), max_size=12),
)

#: a text made of adversarial pieces glued together
adversarial = st.lists(_piece, max_size=4).map("".join)

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def is_japanese_sentence(message: str) -> bool:
    """A non-empty message with Japanese in it and no traceback or Python repr."""
    return (bool(message.strip()) and _JAPANESE.search(message) is not None and "Traceback" not in message
            and "Error(" not in message and "\x00" not in message)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: adversarial text a browser or an xlsx can deliver: valid UTF-8 (no lone surrogates; those only exist in Python)
adversarial_utf8 = adversarial.map(lambda t: t if _encodable(t) else t.encode("utf-8", "replace").decode("utf-8"))
