"""Roman numerals as headings print them (I, II, Ⅳ …). Pure."""
from __future__ import annotations

__all__ = ["no_of_roman"]

_ROMAN = {"I": 1, "V": 5, "X": 10}
_FULL = {chr(0x2160 + i): i + 1 for i in range(12)}


def no_of_roman(token: str) -> int:
    """1 for 「I」「Ⅰ」, 4 for 「IV」「Ⅳ」 …"""
    if len(token) == 1 and token in _FULL:
        return _FULL[token]
    total = 0
    values = [_ROMAN[ch] for ch in token.upper()]
    for i, v in enumerate(values):
        total += -v if i + 1 < len(values) and values[i + 1] > v else v
    return total
