"""Understanding what people type: one normal form for full/half width, kana and punctuation.

「ＯＫ」「ok」「おーけー」, 「はい。」「ハイ!」, 「１２３」「123」 must all mean the same thing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_TEXT_LENGTH = 4000

# Control characters other than newline and tab never carry meaning in a chat message;
# they are dropped so they cannot break a renderer or a log line.
# Control characters, zero-width marks, bidirectional embeddings, overrides and isolates (they
# make 「報告者: 山田」 display reversed or hide text in a card the policy division reads), and
# lone surrogates (a JSON body may carry "\ud800"; such a string cannot be encoded, stored or
# analysed).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)
_TRAILING = re.compile(r"[\s。、．，.,!！?？~〜～…・ー-]+$")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """The text as shown back and stored: control characters removed, ends trimmed."""
    return _CONTROL.sub("", text).strip()


def katakana_to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


@lru_cache(maxsize=2048)
def normalize(text: str) -> str:
    """The form used for matching keywords and answers (never shown to anyone). Kept for the
    last couple of thousand texts (in memory only): most are the catalogue's and the 別表's
    own words, normalised again on every turn."""
    folded = unicodedata.normalize("NFKC", clean(text)).casefold()
    folded = katakana_to_hiragana(folded)
    folded = _TRAILING.sub("", folded)
    return _SPACES.sub(" ", folded).strip()


def is_blank(text: str | None) -> bool:
    return text is None or not clean(text)
