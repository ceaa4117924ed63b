"""Personal and confidential information in a draft prompt (§3(1)2, §3(2)1).

Before staff enter a prompt into a generative-AI system they may paste it here; `scan` lists
what looks like personal information (保有個人情報) or 要配慮個人情報, `mask` replaces it, and
`suggested_class` proposes a confidentiality class on the municipality's own scale.

The scanner is a set of small pattern detectors over an NFKC view of the text (full-width digits,
half-width katakana and ＠ all become one form); every offset it reports points into the text as
typed. It is a screening aid: it flags what a careful reader would want to look at twice and
errs on the side of flagging. It does not prove that a text is free of personal information.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from dialogs.pii.names import person_names
from dialogs.pii.numbers import emails, my_numbers, phones, resident_codes
from dialogs.pii.numbers import my_number_check_digit as my_number_check_digit
from dialogs.pii.places import addresses, bank_accounts, birth_dates, postal_codes
from dialogs.pii.sensitive import sensitive_words
from dialogs.pii.view import Candidate, view_of

KINDS = (
    "my_number",
    "resident_code",
    "phone",
    "email",
    "postal_code",
    "address",
    "birth_date",
    "bank_account",
    "person_name",
    "sensitive",
)

# When two detectors claim overlapping text, the kind earlier here wins (then the longer span):
# a number validated by a check digit or introduced by its own keyword (住民票コード, 口座番号)
# says more than a shape (an 11-digit mobile number, a 7-digit postal code).
_PRECEDENCE = (
    "my_number",
    "resident_code",
    "bank_account",
    "phone",
    "email",
    "birth_date",
    "postal_code",
    "address",
    "person_name",
    "sensitive",
)
_RANK = {kind: rank for rank, kind in enumerate(_PRECEDENCE)}

MASK_CHAR = "●"


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    start: int  # offsets into the original text
    end: int
    excerpt: str  # the value with all but its first characters replaced by MASK_CHAR


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]  # sorted by start, non-overlapping

    @property
    def personal(self) -> bool:
        """Something that identifies a person (a name, a number, an address …).

        Words of 要配慮個人情報 alone do not: 「生活保護制度の概要」 is about a topic, not a
        person; they are still findings, so the person is warned about them.
        """
        return any(f.kind != "sensitive" for f in self.findings)

    @property
    def sensitive(self) -> bool:
        return any(f.kind == "sensitive" for f in self.findings)

    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.kind for f in self.findings))


# Putting it together

_DETECTORS: tuple[Callable[[str], Iterator[Candidate]], ...] = (
    my_numbers,
    resident_codes,
    phones,
    emails,
    postal_codes,
    addresses,
    birth_dates,
    bank_accounts,
    person_names,
    sensitive_words,
)

# Characters an excerpt keeps visible so the shape of the value stays readable.
_SEPARATOR_CHARS = frozenset("-‐‑‒–—―−ー－ｰ─@＠.．()（）+＋ 　/／:：_〒・")
_SEPARATORS = re.escape("".join(sorted(_SEPARATOR_CHARS)))
_MEANINGFUL = re.compile(f"[^{_SEPARATORS}]")
# How many leading meaningful characters an excerpt may show: the area or carrier code of a
# phone number, the prefecture of an address, the era of a date; one character otherwise.
_KEEP = {"phone": 3, "address": 3, "birth_date": 2}
# The shortest start of a value that holds k meaningful characters, for k = 0 … 3.
_LEADING = [re.compile(f"(?:[{_SEPARATORS}]*[^{_SEPARATORS}]){{{k}}}") for k in range(4)]


def _excerpt(kind: str, value: str, suffix: str) -> str:
    if _SEPARATOR_CHARS.isdisjoint(value):  # the common case, done without a regex
        keep = max(0, min(_KEEP.get(kind, 1), len(value) - 1))
        return value[:keep] + MASK_CHAR * (len(value) - keep) + suffix
    masked, meaningful = _MEANINGFUL.subn(MASK_CHAR, value)
    keep = max(0, min(_KEEP.get(kind, 1), meaningful - 1))  # never the whole value
    leading = _LEADING[keep].match(value)
    cut = leading.end() if leading else 0
    return value[:cut] + masked[cut:] + suffix


def scan(text: str) -> ScanResult:
    """What in `text` looks like personal information, as masked findings."""
    view = view_of(text)
    norm = view.text
    candidates = [c for detect in _DETECTORS for c in detect(norm) if c[2] > c[1]]
    candidates.sort(key=lambda c: (_RANK[c[0]], c[1] - c[2], c[1]))
    taken = bytearray(len(norm))
    chosen: list[Candidate] = []
    for candidate in candidates:
        _, start, end, _ = candidate
        if taken.find(1, start, end) != -1:
            continue
        taken[start:end] = b"\x01" * (end - start)
        chosen.append(candidate)
    chosen.sort(key=lambda c: c[1])
    findings = []
    for kind, start, end, suffix in chosen:
        first, last = view.original(start, end) if view.clusters else (start, end)
        excerpt = _excerpt(kind, text[first:last], suffix)
        findings.append(Finding(kind, first, last, excerpt))
    return ScanResult(tuple(findings))


def mask(text: str, findings: Sequence[Finding], label: Callable[[str], str]) -> str:
    """The text with every finding replaced by f"［{label(kind)}］" (label from the catalogue)."""
    pieces: list[str] = []
    done = 0
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if finding.start < done:
            continue  # overlapping findings from elsewhere: the first one already covers it
        pieces.append(text[done : finding.start])
        pieces.append(f"［{label(finding.kind)}］")
        done = finding.end
    pieces.append(text[done:])
    return "".join(pieces)


def suggested_class(result: ScanResult, classes: Sequence[str], confidential_from: str) -> str:
    """A confidentiality class for the scanned text on the municipality's scale.

    `classes` runs from the most confidential to the least; `confidential_from` is the lowest
    class that counts as 要機密情報. Nothing found: the least confidential class. Personal
    information, or 要配慮 words alone (they may describe a case): `confidential_from`. Both
    together (someone's 要配慮個人情報): the class just above it, if there is one.
    """
    if confidential_from not in classes:
        raise ValueError(f"{confidential_from!r} is not one of {list(classes)!r}")
    if not result.findings:
        return classes[-1]
    position = list(classes).index(confidential_from)
    if result.sensitive and result.personal and position > 0:
        return classes[position - 1]
    return confidential_from
