"""The NFKC view of a scanned text, and the pattern pieces the detectors share."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

# ---------------------------------------------------------------------------------------------
# The normalised view and its map back to the original text


@lru_cache(maxsize=8192)
def _nfkc(chars: str) -> str:
    return unicodedata.normalize("NFKC", chars)


@lru_cache(maxsize=8192)
def _changes(char: str) -> bool:
    """Whether NFKC rewrites this character or may merge it into the one before."""
    return _nfkc(char) != char or bool(unicodedata.combining(char))


@lru_cache(maxsize=8192)
def _is_mark(char: str) -> bool:
    # ﾞ and ﾟ are spacing characters that NFKC turns into combining marks, so they belong to
    # the character before them just like a real combining mark does.
    folded = _nfkc(char)
    return bool(folded) and unicodedata.combining(folded[0]) != 0


@lru_cache(maxsize=1)
def _candidates_for_change() -> re.Pattern[str]:
    """A character class of every BMP character that `_changes`, plus all astral characters.

    Built once (a few milliseconds): finding these characters with one regular expression is
    much faster than testing every character of a long text in Python.
    """
    ranges: list[list[int]] = []
    for code in range(0x10000):
        if 0xD800 <= code < 0xE000 or not _changes_uncached(chr(code)):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = [re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges]
    return re.compile("[" + "".join(parts) + "\U00010000-\U0010ffff]")


def _changes_uncached(char: str) -> bool:
    # Same as `_changes`, without filling its cache with the whole BMP.
    return unicodedata.normalize("NFKC", char) != char or bool(unicodedata.combining(char))


def word_set(text: str) -> frozenset[str]:
    """A word list written as one space-separated string (easier to read than a list literal)."""
    return frozenset(text.split())


def _char_class(chars: Sequence[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


@dataclass(frozen=True)
class View:
    """The NFKC form of a text and the way back to offsets in the original.

    Most characters keep their length under NFKC. `clusters` lists, in order, the places where
    the length changes: (start, end) in the view and (start, end) in the original.
    """

    text: str
    clusters: tuple[tuple[int, int, int, int], ...] = ()
    cluster_starts: tuple[int, ...] = ()

    def original(self, start: int, end: int) -> tuple[int, int]:
        if not self.clusters:
            return start, end
        return self._at(start, last=False), self._at(end - 1, last=True)

    def _at(self, offset: int, *, last: bool) -> int:
        i = bisect_right(self.cluster_starts, offset) - 1
        if i < 0:
            return offset + last
        _, view_end, start, end = self.clusters[i]
        if offset < view_end:
            return end if last else start
        return end + offset - view_end + last


def view_of(text: str) -> View:
    candidates = _candidates_for_change()
    special = [c for c in set(candidates.findall(text)) if _changes(c)]
    if not special:
        return View(text)
    # Characters that become exactly one character (full-width digits and brackets, half-width
    # kana) are replaced in one pass: offsets do not move. That is usually all there is.
    simple = {c: _nfkc(c) for c in special if len(_nfkc(c)) == 1 and not _is_mark(c)}
    translated = candidates.sub(lambda m: simple.get(m.group(), m.group()), text)
    marks = [c for c in special if _is_mark(c)]
    longer = [c for c in special if len(_nfkc(c)) != 1 and not _is_mark(c)]
    if not marks and not longer:
        return View(translated)
    # The rest is normalised cluster by cluster: a character and the marks after it (ｶﾞ → ガ),
    # or one character that expands (㈱ → (株)).
    patterns = []
    if marks:
        patterns.append(rf"(?s:.){_char_class(marks)}+")
    if longer:
        patterns.append(_char_class(longer))
    pieces: list[str] = []
    clusters: list[tuple[int, int, int, int]] = []
    done = 0
    size = 0  # length of the view so far
    for match in re.finditer("|".join(patterns), translated):
        begin, stop = match.span()
        pieces.append(translated[done:begin])
        size += begin - done
        folded = _nfkc(match.group())
        pieces.append(folded)
        clusters.append((size, size + len(folded), begin, stop))
        size += len(folded)
        done = stop
    pieces.append(translated[done:])
    return View("".join(pieces), tuple(clusters), tuple(c[0] for c in clusters))


# ---------------------------------------------------------------------------------------------
# Shared pieces of patterns (they apply to the NFKC view: ASCII digits, "-", "@", "(", ":")

# Dashes people type between digit groups; NFKC keeps most of them apart. ー (the katakana
# prolonged sound mark) is included because IMEs often produce 090ー1234ー5678.
HY = "\\-\u2010\u2012\u2013\u2014\u2015\u2212\u30fc\u2500"
KANJI = "\u3400-\u9fff々〆ヵヶ"
KATA = "ァ-ヴー"

# A candidate: kind, start and end in the view, and what the excerpt shows after the masked
# value (the honorific after a name: 山●●●様).
Candidate = tuple[str, int, int, str]


def text_before(text: str, start: int, width: int) -> str:
    """The text just before `start`, cut at the last sentence or line boundary."""
    window = text[max(0, start - width) : start]
    cut = max(window.rfind("。"), window.rfind("\n"))
    return window[cut + 1 :]


# Words that introduce a number that is someone's order, receipt or document number rather than
# a personal number; when one stands nearer a number than the number's own keyword, it wins.
OTHER_NUMBER_CONTEXT = re.compile(
    r"(?:受付|注文|管理|文書|伝票|整理|請求|契約|証券|登録|会員|顧客|お客様|受験|申込|予約|案件"
    r"|部品|製造|法人|口座|保険者|証|記号|識別|照会|送り状|追跡|問合せ|問い合わせ|取引先|商品|製品"
    r"|資産|物品|図書|職員|社員|伝票|起案|決裁)(?:番号|コード|ID)"
    r"|品番|型番|型式|製番|シリアル|No\.?|NO\.?|#|第|ID|内線"
)


def last_end(pattern: re.Pattern[str], text: str) -> int:
    """End of the last match of `pattern` in `text`, or -1."""
    end = -1
    for match in pattern.finditer(text):
        end = match.end()
    return end
