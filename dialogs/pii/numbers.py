"""Detectors of numbers that identify a person: マイナンバー, 住民票コード, phones, e-mail."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dialogs.pii.view import HY, OTHER_NUMBER_CONTEXT, Candidate, last_end, text_before

# ---------------------------------------------------------------------------------------------
# my_number: 12 digits whose last is the check digit of the first 11


def my_number_check_digit(digits: str) -> int:
    """The check digit of the first 11 digits of a 個人番号 (the official modulus-11 rule).

    P_n is the n-th digit counted from the right of the 11, Q_n = n + 1 for n ≤ 6 and n − 5
    for n ≥ 7; the check digit is 0 when Σ P_n·Q_n mod 11 ≤ 1, else 11 minus that remainder.
    """
    total = 0
    for n, char in enumerate(reversed(digits[:11]), start=1):
        total += int(char) * (n + 1 if n <= 6 else n - 5)
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


# (Patterns start with a character they consume and look behind afterwards: `re` can then skip
# quickly to the places where a match can begin.)
_MY_NUMBER = re.compile(
    rf"([0-9]{{4}})(?<![0-9.,][0-9]{{4}})(?<![0-9][{HY} ][0-9]{{4}})"
    rf"([ {HY}]?)([0-9]{{4}})\2([0-9]{{4}})"
    rf"(?![0-9])(?!\2[0-9])(?![ ]?円)"
)


_MY_NUMBER_CONTEXT = re.compile(r"個人番号|マイナンバー|マイナ|番号カード|通知カード")


def my_numbers(text: str) -> Iterator[Candidate]:
    for match in _MY_NUMBER.finditer(text):
        digits = match.group(1) + match.group(3) + match.group(4)
        if int(digits[11]) != my_number_check_digit(digits):
            continue
        # One random 12-digit number in ten passes the check digit, so an order or receipt
        # number labelled as such is not taken for a 個人番号.
        before = text_before(text, match.start(), 16)
        if last_end(OTHER_NUMBER_CONTEXT, before) > last_end(_MY_NUMBER_CONTEXT, before):
            continue
        yield "my_number", match.start(), match.end(), ""


# ---------------------------------------------------------------------------------------------
# resident_code: 住民票コード, 11 digits.
# The check-digit rule of 住民票コード is not one we could confirm from a primary source, so
# the scanner does not rely on it: 11 digits count only right after the keyword (within a short
# window). Without the keyword an 11-digit number is left to the other detectors.

_RESIDENT_CODE = re.compile(
    rf"住民票?コード[^\n。]{{0,16}}?(?<![0-9])"
    rf"([0-9]{{11}}|[0-9]{{4}}[ {HY}][0-9]{{4}}[ {HY}][0-9]{{3}})(?![0-9])"
)


def resident_codes(text: str) -> Iterator[Candidate]:
    for match in _RESIDENT_CODE.finditer(text):
        yield "resident_code", match.start(1), match.end(1), ""


# ---------------------------------------------------------------------------------------------
# phone: Japanese fixed, mobile, IP and free-dial numbers, domestic or +81

_PHONE = re.compile(
    rf"(?P<prefix>\+81[ {HY}]?(?:\(0\)[ {HY}]?)?|\(?0)"
    rf"(?P<g1>[0-9]{{1,4}})(?P<s1>\)[ ]?|[ .{HY}]|\()?"
    rf"(?P<g2>[0-9]{{1,4}})(?P<s2>\)[ ]?|[ .{HY}])?"
    rf"(?P<g3>[0-9]{{3,4}})"
    rf"(?![0-9A-Za-z]|[{HY}][0-9])"
)
# A number glued to a letter, digit or dash before it is part of something longer.
_PHONE_GLUED = frozenset("0123456789+#,/-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
# …except after a label written in letters: TEL03-…, Tel.03-…, FAX:03-….
_PHONE_LABEL = re.compile(r"(?:TEL|Tel|tel|FAX|Fax|fax|PHONE|Phone|phone)[.:]?$")
_MOBILE_PREFIXES = ("070", "080", "090", "050", "020", "060", "0800")
_SHORT_LAST_GROUP = ("0120", "0800", "0570", "0990")
# Words that introduce a telephone number; against OTHER_NUMBER_CONTEXT the nearer one decides.
_PHONE_CONTEXT = re.compile(
    r"電話|TEL|Tel|tel|携帯|ケータイ|FAX|Fax|fax|ファクス|ファックス|℡|連絡先"
)


def _phone_like(match: re.Match[str]) -> bool:
    g1, g2, g3 = match.group("g1", "g2", "g3")
    s1, s2 = match.group("s1"), match.group("s2")
    head = "0" + g1  # the area or carrier code with its leading 0 (+81 drops it)
    digits = head + g2 + g3
    separated = s1 is not None or s2 is not None
    if separated and (s1 is None or s2 is None):
        return False  # 090-12345678: one separator only is not a way numbers are written
    if s1 == "(" and not (s2 or "").startswith(")"):
        return False
    if len(digits) == 11:
        if not digits.startswith(_MOBILE_PREFIXES):
            return False
    elif len(digits) == 10:
        if digits[1] == "0":
            return False
    else:
        return False
    if separated:
        if not 2 <= len(head) <= 5:
            return False
        if len(g3) == 3 and not digits.startswith(_SHORT_LAST_GROUP):
            return False
    return True


def phones(text: str) -> Iterator[Candidate]:
    for match in _PHONE.finditer(text):
        start, end = match.span()
        previous = text[start - 1] if start else " "
        if previous in _PHONE_GLUED:
            continue
        after_letters = previous == "." or (previous.isascii() and previous.isalpha())
        if after_letters and not _PHONE_LABEL.search(text, max(0, start - 7), start):
            continue
        if not _phone_like(match):
            continue
        if match.group("prefix") == "(0" and not (match.group("s1") or "").startswith(")"):
            start += 1  # （090-1234-5678）: the bracket encloses the number, it is not (03)
        if text.startswith("号", end):
            continue  # 第0312345678号
        before = text_before(text, start, 14)
        if last_end(OTHER_NUMBER_CONTEXT, before) > last_end(_PHONE_CONTEXT, before):
            continue
        yield "phone", start, end, ""


# ---------------------------------------------------------------------------------------------
# email

_EMAIL = re.compile(
    r"[A-Za-z0-9](?<![A-Za-z0-9._%+\-][A-Za-z0-9])[A-Za-z0-9._%+\-]*"
    r"(?:@|\[at\]|\(at\))"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+"
)


_AT = re.compile(r"@|\[at\]|\(at\)")
_LOCAL_PART_MAX = 64  # RFC 5321


def emails(text: str) -> Iterator[Candidate]:
    # Look only around each @: far cheaper than trying every letter of a long text.
    reached = 0
    for at in _AT.finditer(text):
        if at.start() < reached:
            continue
        window = max(reached, at.start() - _LOCAL_PART_MAX)
        for match in _EMAIL.finditer(text, window, at.end() + 255):
            if match.start() <= at.start() < match.end():
                yield "email", match.start(), match.end(), ""
                reached = match.end()
                break


# ---------------------------------------------------------------------------------------------
