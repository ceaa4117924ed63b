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
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

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


def _words(text: str) -> frozenset[str]:
    """A word list written as one space-separated string (easier to read than a list literal)."""
    return frozenset(text.split())


def _char_class(chars: Sequence[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


@dataclass(frozen=True)
class _View:
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


def _view(text: str) -> _View:
    candidates = _candidates_for_change()
    special = [c for c in set(candidates.findall(text)) if _changes(c)]
    if not special:
        return _View(text)
    # Characters that become exactly one character (full-width digits and brackets, half-width
    # kana) are replaced in one pass: offsets do not move. That is usually all there is.
    simple = {c: _nfkc(c) for c in special if len(_nfkc(c)) == 1 and not _is_mark(c)}
    translated = candidates.sub(lambda m: simple.get(m.group(), m.group()), text)
    marks = [c for c in special if _is_mark(c)]
    longer = [c for c in special if len(_nfkc(c)) != 1 and not _is_mark(c)]
    if not marks and not longer:
        return _View(translated)
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
    return _View("".join(pieces), tuple(clusters), tuple(c[0] for c in clusters))


# ---------------------------------------------------------------------------------------------
# Shared pieces of patterns (they apply to the NFKC view: ASCII digits, "-", "@", "(", ":")

# Dashes people type between digit groups; NFKC keeps most of them apart. ー (the katakana
# prolonged sound mark) is included because IMEs often produce 090ー1234ー5678.
_HY = "\\-\u2010\u2012\u2013\u2014\u2015\u2212\u30fc\u2500"
_KANJI = "\u3400-\u9fff々〆ヵヶ"
_KATA = "ァ-ヴー"

# A candidate: kind, start and end in the view, and what the excerpt shows after the masked
# value (the honorific after a name: 山●●●様).
_Candidate = tuple[str, int, int, str]


def _before(text: str, start: int, width: int) -> str:
    """The text just before `start`, cut at the last sentence or line boundary."""
    window = text[max(0, start - width) : start]
    cut = max(window.rfind("。"), window.rfind("\n"))
    return window[cut + 1 :]


# Words that introduce a number that is someone's order, receipt or document number rather than
# a personal number; when one stands nearer a number than the number's own keyword, it wins.
_OTHER_NUMBER_CONTEXT = re.compile(
    r"(?:受付|注文|管理|文書|伝票|整理|請求|契約|証券|登録|会員|顧客|お客様|受験|申込|予約|案件"
    r"|部品|製造|法人|口座|保険者|証|記号|識別|照会|送り状|追跡|問合せ|問い合わせ|取引先|商品|製品"
    r"|資産|物品|図書|職員|社員|伝票|起案|決裁)(?:番号|コード|ID)"
    r"|品番|型番|型式|製番|シリアル|No\.?|NO\.?|#|第|ID|内線"
)


def _last(pattern: re.Pattern[str], text: str) -> int:
    """End of the last match of `pattern` in `text`, or -1."""
    end = -1
    for match in pattern.finditer(text):
        end = match.end()
    return end


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
    rf"([0-9]{{4}})(?<![0-9.,][0-9]{{4}})(?<![0-9][{_HY} ][0-9]{{4}})"
    rf"([ {_HY}]?)([0-9]{{4}})\2([0-9]{{4}})"
    rf"(?![0-9])(?!\2[0-9])(?![ ]?円)"
)


_MY_NUMBER_CONTEXT = re.compile(r"個人番号|マイナンバー|マイナ|番号カード|通知カード")


def _my_numbers(text: str) -> Iterator[_Candidate]:
    for match in _MY_NUMBER.finditer(text):
        digits = match.group(1) + match.group(3) + match.group(4)
        if int(digits[11]) != my_number_check_digit(digits):
            continue
        # One random 12-digit number in ten passes the check digit, so an order or receipt
        # number labelled as such is not taken for a 個人番号.
        before = _before(text, match.start(), 16)
        if _last(_OTHER_NUMBER_CONTEXT, before) > _last(_MY_NUMBER_CONTEXT, before):
            continue
        yield "my_number", match.start(), match.end(), ""


# ---------------------------------------------------------------------------------------------
# resident_code: 住民票コード, 11 digits.
# The check-digit rule of 住民票コード is not one we could confirm from a primary source, so
# the scanner does not rely on it: 11 digits count only right after the keyword (within a short
# window). Without the keyword an 11-digit number is left to the other detectors.

_RESIDENT_CODE = re.compile(
    rf"住民票?コード[^\n。]{{0,16}}?(?<![0-9])"
    rf"([0-9]{{11}}|[0-9]{{4}}[ {_HY}][0-9]{{4}}[ {_HY}][0-9]{{3}})(?![0-9])"
)


def _resident_codes(text: str) -> Iterator[_Candidate]:
    for match in _RESIDENT_CODE.finditer(text):
        yield "resident_code", match.start(1), match.end(1), ""


# ---------------------------------------------------------------------------------------------
# phone: Japanese fixed, mobile, IP and free-dial numbers, domestic or +81

_PHONE = re.compile(
    rf"(?P<prefix>\+81[ {_HY}]?(?:\(0\)[ {_HY}]?)?|\(?0)"
    rf"(?P<g1>[0-9]{{1,4}})(?P<s1>\)[ ]?|[ .{_HY}]|\()?"
    rf"(?P<g2>[0-9]{{1,4}})(?P<s2>\)[ ]?|[ .{_HY}])?"
    rf"(?P<g3>[0-9]{{3,4}})"
    rf"(?![0-9A-Za-z]|[{_HY}][0-9])"
)
# A number glued to a letter, digit or dash before it is part of something longer.
_PHONE_GLUED = frozenset("0123456789+#,/-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")
# …except after a label written in letters: TEL03-…, Tel.03-…, FAX:03-….
_PHONE_LABEL = re.compile(r"(?:TEL|Tel|tel|FAX|Fax|fax|PHONE|Phone|phone)[.:]?$")
_MOBILE_PREFIXES = ("070", "080", "090", "050", "020", "060", "0800")
_SHORT_LAST_GROUP = ("0120", "0800", "0570", "0990")
# Words that introduce a telephone number; against _OTHER_NUMBER_CONTEXT the nearer one decides.
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


def _phones(text: str) -> Iterator[_Candidate]:
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
        before = _before(text, start, 14)
        if _last(_OTHER_NUMBER_CONTEXT, before) > _last(_PHONE_CONTEXT, before):
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


def _emails(text: str) -> Iterator[_Candidate]:
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
# postal_code and address

_PREFECTURES = (
    "北海道|東京都|京都府|大阪府|(?:青森|岩手|宮城|秋田|山形|福島|茨城|栃木|群馬|埼玉|千葉|神奈川"
    "|新潟|富山|石川|福井|山梨|長野|岐阜|静岡|愛知|三重|滋賀|兵庫|奈良|和歌山|鳥取|島根|岡山|広島"
    "|山口|徳島|香川|愛媛|高知|福岡|佐賀|長崎|熊本|大分|宮崎|鹿児島|沖縄)県"
)
_PARTICLES = "はがをにでへともの"
# Municipalities whose names are (partly) in hiragana. Japanese has no spaces, so a hiragana
# name cannot be told from the words before it (「火災のあったさくら市」); they are listed instead.
_HIRAGANA_MUNICIPALITIES = (
    "さくら|つくばみらい|つくば|いわき|さいたま|ひたちなか|かすみがうら|みどり|いすみ|うきは|えびの"
    "|かほく|あわら|たつの|みやま|にかほ|むつ|つがる|みよし|あま|いなべ|かつらぎ|さぬき|まんのう"
    "|せたな|むかわ|えりも|ときがわ|みなかみ|みなべ|つるぎ|みやき|ふじみ野|あきる野|いちき串木野"
    "|おいらせ"
)
# A municipality: a kanji/katakana name or a listed hiragana one. Words such as 市民, 区分, 町内
# are not municipalities.
_MUNICIPALITY = (
    rf"(?:[{_KANJI}{_KATA}]{{1,6}}?|(?:{_HIRAGANA_MUNICIPALITIES})(?=[市町村]))"
    r"(?:市(?![民長内外場議役立営街況制政])|区(?![分域長民内外会議役立画間別])"
    r"|郡|町(?![内会民長議役立])|村(?![民長内議役立]))"
)
_MUNICIPALITY_RE = re.compile(_MUNICIPALITY)
_TOWN = rf"(?:(?![{_PARTICLES}])(?:[{_KANJI}{_KATA}ぁ-ん]|[0-9]+条){{1,14}}?)?"
_BLOCK_NUMBER = (
    rf"(?:(?:[0-9]+|[一二三四五六七八九十]+)丁目"
    rf"(?:[ ]?[0-9]+(?:番地?の?|[{_HY}])(?:[0-9]+号?(?:[{_HY}][0-9]+)?)?)?"
    rf"|[0-9]+番地(?:の?[0-9]+)?(?:[{_HY}][0-9]+)?"
    rf"|[0-9]+番[0-9]+号?"
    rf"|(?P<dashed>[0-9]+[{_HY}][0-9]+(?:[{_HY}][0-9]+)?)(?![0-9]|[月日年時分件人名円%]|号(?!室)))"
)
# Words that often stand right before an address in the same run of kanji (labels, days); they
# are matched so that they stay out of the value (現住所千代田区… → 千代田区…).
_ADDRESS_LABEL = (
    "現住所|旧住所|新住所|住所地|住所|所在地|居所|住居|自宅|実家|本籍地|本籍|送付先|宛先"
    "|転居先|転入先|転出先|連絡先|勤務先|居住地|本日|昨日|先日|今日|明日|同日|当日|現在|以前"
)
_ADDRESS = re.compile(
    rf"(?:{_ADDRESS_LABEL})?"
    rf"(?P<value>(?:(?P<pref>{_PREFECTURES})[ ]?(?:{_MUNICIPALITY}[ ]?){{0,3}}"
    rf"|(?P<muni>(?:{_MUNICIPALITY}[ ]?){{1,3}}))"
    rf"(?P<town>{_TOWN})[ ]?{_BLOCK_NUMBER}"
    rf"(?:[ ]?[{_KANJI}{_KATA}A-Za-z]{{0,12}}?[ ]?[0-9]{{1,4}}号室)?)"
)
# Names that end like a municipality but are districts or generic words.
_NOT_MUNICIPALITY = re.compile(
    r"^(?:地区|学区|校区|選挙区|特区|管区|各区|同区|本町|同町|同市|当市|本市)"
)
# Anchors: an address is only looked for in front of something that reads as a block number
# and follows a town name (or a space), and only in the run of characters an address is made of.
# (Two patterns: one alternation of both would keep `re` from skipping ahead quickly.)
_BLOCK_NUMBER_ANCHOR = re.compile(
    rf"[1-9](?<=[{_KANJI}{_KATA}ぁ-ん ][1-9])[0-9]*(?:丁目|番|[{_HY}][0-9])"
)
_KANJI_NUMERALS = "一二三四五六七八九十"
_KANJI_CHOME_ANCHOR = re.compile(f"丁目(?<=[{_KANJI_NUMERALS}]丁目)")
_TOWN_CHAR = re.compile(rf"[{_KANJI}{_KATA}ぁ-ん ]")
_NOT_ADDRESS_CHAR = re.compile(rf"[^{_KANJI}{_KATA}ぁ-ん0-9{_HY} ]")
_ADDRESS_REACH = 40
_DIVISION_SUFFIX = re.compile("[都道府県市区町村郡]")
_NAME_BEFORE_DIVISION = 6 + 3  # the longest municipality name and the longest label (現住所)

_POSTAL_KEYWORD = re.compile(
    rf"(?:〒|郵便番号|ZIP|Zip|zip)[^0-9\n。]{{0,4}}?(?<![0-9])"
    rf"([0-9]{{3}}[{_HY}]?[0-9]{{4}})(?![0-9])(?![ ]?[件円人名])"
)
_POSTAL_BEFORE_ADDRESS = re.compile(
    rf"([0-9]{{3}})(?<![0-9A-Za-z{_HY}][0-9]{{3}})([{_HY}][0-9]{{4}})(?![0-9])"
    rf"(?=[ ]?(?:{_PREFECTURES}|[{_KANJI}ぁ-ん]{{1,6}}?[市区町村郡]))"
)


def _postal_codes(text: str) -> Iterator[_Candidate]:
    for match in _POSTAL_KEYWORD.finditer(text):
        yield "postal_code", match.start(1), match.end(1), ""
    for match in _POSTAL_BEFORE_ADDRESS.finditer(text):
        yield "postal_code", match.start(1), match.end(2), ""


def _block_numbers(text: str) -> list[int]:
    """Where something that reads as a block number (2-3, 4番, 5丁目, 三丁目) starts."""
    starts = [match.start() for match in _BLOCK_NUMBER_ANCHOR.finditer(text)]
    for match in _KANJI_CHOME_ANCHOR.finditer(text):
        start = match.start()
        while start > 0 and text[start - 1] in _KANJI_NUMERALS:
            start -= 1
        starts.append(start)
    return sorted(starts)


def _addresses(text: str) -> Iterator[_Candidate]:
    reached = 0  # addresses do not overlap: the next one starts after the last
    for begin in _block_numbers(text):
        if begin < reached or begin == 0 or not _TOWN_CHAR.match(text, begin - 1):
            continue
        window_start = max(reached, begin - _ADDRESS_REACH)
        for stop in _NOT_ADDRESS_CHAR.finditer(text, window_start, begin):
            window_start = stop.end()
        division = _DIVISION_SUFFIX.search(text, window_start, begin)
        if division is None:
            continue  # no 都道府県 or 市区町村郡 in reach: nothing to anchor an address to
        # An address starts at most a label and a name before its first 都道府県市区町村郡.
        window_start = max(window_start, division.start() - _NAME_BEFORE_DIVISION)
        for match in _ADDRESS.finditer(text, window_start, min(len(text), begin + 50)):
            if match.start("value") > begin:
                break  # an address that does not reach this block number is not its address
            if match.end() <= begin:
                continue
            if not match.group("pref"):
                municipalities = match.group("muni")
                if _NOT_MUNICIPALITY.match(municipalities):
                    continue
                single = len(_MUNICIPALITY_RE.findall(municipalities)) < 2
                if single and match.group("dashed") and not match.group("town"):
                    continue  # 中央町2-3: one name and a bare dashed number is too weak
            yield "address", match.start("value"), match.end("value"), ""
            reached = match.end()
            break


# ---------------------------------------------------------------------------------------------
# birth_date: a date that the context says is a date of birth

_DATE = re.compile(
    rf"(?=[明大昭平令MTSHRmtshr12])"  # lets `re` skip quickly to where a date can begin
    rf"(?:(?P<era>明治|大正|昭和|平成|令和|[MTSHRmtshr]\.?)[ ]?(?P<ey>[0-9]{{1,2}}|元)"
    rf"|(?P<y>(?:19|20)[0-9]{{2}}))"
    rf"[ ]?(?:年|(?P<sep>[./{_HY}]))[ ]?"
    rf"(?:(?P<m>[0-9]{{1,2}})[ ]?(?:月|(?(sep)(?P=sep)|(?!)))[ ]?"
    rf"(?:(?P<d>[0-9]{{1,2}})(?![0-9])[ ]?日?)?)?"
)
_BIRTH_BEFORE = re.compile(r"生年月日|誕生日|生まれ|出生|生誕|DOB|D\.O\.B|[Bb]irth|[Bb]orn")
_NOT_BIRTH_BEFORE = re.compile(
    r"(?:申請|提出|受付|開催|会議|締切|締め切り|期限|交付|発行|作成|施行|実施|予定|届出|転入|転出"
    r"|異動|契約|支払|納付|相談|来庁|面談|訪問|入院|退院|死亡|婚姻|離婚|更新|有効|登録|決定|通知"
    r"|認定|記入|回答|終了|開始|採用|退職|入学|卒業|入社|着任|発生|確認|対応|受診|診察)日?|まで|から"
)
_BIRTH_AFTER = re.compile(
    r"[ ]?(?:生まれ|生誕|誕生|生(?![活産徒涯命成協態息存鮮物])"
    r"|[(（]?[ ]?満?[ ]?[0-9]{1,3}[ ]?[歳才])"
)


def _birth_dates(text: str) -> Iterator[_Candidate]:
    for match in _DATE.finditer(text):
        start = match.start()
        glued = start > 0 and text[start - 1].isascii() and text[start - 1].isalnum()
        if glued and (match.group("y") or match.group("era").isascii()):
            continue  # part of a longer number or word (12026年, ABS50.4.1)
        month, day = match.group("m"), match.group("d")
        if month is not None and not 1 <= int(month) <= 12:
            continue
        if day is not None and not 1 <= int(day) <= 31:
            continue
        if match.group("sep") and day is None:
            continue  # 2026/4 or 6-4: too short to be a date written with separators
        end = match.end()
        value_end = end
        while value_end > start and text[value_end - 1] == " ":
            value_end -= 1
        after = _BIRTH_AFTER.match(text, value_end)
        if day is None:
            # 昭和50年生まれ, 1985年4月生まれ: a year (and month) counts only right before 生まれ.
            if after is None or after.group().lstrip().startswith(("(", "（")):
                continue
        elif after is None:
            before = _before(text, start, 16)
            if _last(_BIRTH_BEFORE, before) <= _last(_NOT_BIRTH_BEFORE, before):
                continue
        yield "birth_date", start, value_end, ""


# ---------------------------------------------------------------------------------------------
# bank_account: 7 digits after 口座番号 / 普通 / 当座; ゆうちょ 記号 + 番号

_BANK_ACCOUNT = re.compile(
    r"(?:口座番号|口座(?!数)|普通預金|当座預金|貯蓄預金|普通|当座)"
    r"(?:[^0-9\n。]{0,14}?(?:[0-9]{1,4}[^0-9\n。]{1,8}?)?)?"
    r"(?<![0-9])([0-9]{7})(?![0-9])(?![ ]?(?:件|円|人|名(?!義)|千|万|億|個|回|日|年|世帯|%))"
)
_POSTAL_BANK = re.compile(
    rf"(?:ゆうちょ|記号)[^0-9\n。]{{0,10}}?(?<![0-9])"
    rf"([0-9]{{5}}(?:[{_HY}]|[ ]?番号[ ]?[:]?[ ]?|[ ])[0-9]{{7,8}})(?![0-9])"
)


def _bank_accounts(text: str) -> Iterator[_Candidate]:
    for pattern in (_POSTAL_BANK, _BANK_ACCOUNT):
        for match in pattern.finditer(text):
            yield "bank_account", match.start(1), match.end(1), ""


# ---------------------------------------------------------------------------------------------
# person_name: a name written before an honorific

_HONORIFIC = re.compile(
    rf"(?:様(?![式子相態々変])|さま(?!ざま)|さん|先生(?!方)|氏(?![名家族神])|殿(?![{_KANJI}])"
    rf"|君(?![{_KANJI}])|くん|ちゃん(?!と))"
)
# Kanji that, alone before an honorific, are a word and not a name (お客様, 皆さん, 上様, 奥さん).
_NOT_NAME_CHARS = frozenset(
    "皆客子奥各貴諸両某当同先御上王神仏殿仕多模異一有今別外左然斯父母兄姉弟妹孫嫁婿娘坊姫若夫妻"
    "彼主嬢婆爺隣市区県都府郡寺"
)
# The last kanji of a run and the honorific together make a word (画面仕様, 同氏, 貴殿, 諸君).
_HONORIFIC_WORDS = _words(
    "仕様 同様 多様 模様 異様 王様 神様 仏様 殿様 奥様 皆様 "
    "同氏 両氏 各氏 某氏 諸氏 彼氏 貴氏 貴殿 御殿 宮殿 神殿 沈殿 本殿 拝殿 仏殿 湯殿 "
    "諸君 主君 父君 細君 暴君 名君 貴君 夫君 若君 姫君 母君 皆さん 奥さん"
)
# A run that ends in one of these is a role, a group or an organisation (担当者様, 本人様 …).
_NOT_NAME_WORDS = _words(
    "旦那 彼女 苦労 息子 家族 遺族 親族 両親 主人 本人 個人 代理人 保証人 後見人 管理人 知人 友人 "
    "隣人 住人 同居人 相続人 申立人 請求人 届出人 証人 法人 外国人 成人 老人 恋人 職人 商人 家人 "
    "他人 新人 役人 犯人 故人 婦人 夫人 大人 各人 当人 依頼人 先方 当方 貴方 相手 相手方 双方 皆々 "
    "大家 事業部 本部 支部 事務所 役所 営業所 研究所 出張所 支所 保健所 相談所 事業所 診療所 "
    "製作所 各位 会社 商事 商店 工業 建設 産業 組合 財団 銀行 薬局 大学 神社 医師"
)
_NOT_NAME_LAST = frozenset("者員民社店課係局庁省署会園院校族協団業客屋手")
# Family names that end in one of _NOT_NAME_LAST (土屋さん is a person, 八百屋さん a shop).
_NAME_EXCEPTIONS = _words("土屋 古屋 守屋 関屋 鳥屋 大屋 宮屋 森屋 高屋 長屋 岩屋 園 会田")
_ROLE_SUFFIX = re.compile(
    r"(?:課長補佐|事務局長|理事長|委員長|課長|部長|係長|次長|室長|局長|所長|市長|町長|村長|区長"
    r"|知事|議長|会長|社長|校長|園長|院長|館長|委員|議員|主任|主査|主事|主幹|参事|補佐|教授"
    r"|医師|弁護士|司法書士|税理士|保健師|看護師|店長|代表|理事|支配人)$"
)
# Words that often stand right before a name in the same kanji run (本日山田様, 市民課佐藤さん);
# longest first, so that 依頼人 is taken whole and not as 依頼 + 人….
_LEAD = _words(
    "本日 昨日 一昨日 先日 今日 明日 同日 当日 翌日 前日 今回 前回 次回 "
    "先週 今週 来週 先月 今月 来月 午前 午後 担当 窓口 電話 来庁 来所 "
    "来訪 訪問 面談 相談 申請 対応 連絡 確認 報告 同行 同席 依頼 紹介 "
    "市民 住民 職員 世帯主 前任 後任 新任 上司 同僚 部下 宛先 氏名 名前 "
    "相談者 申請者 届出人 対象者 利用者 担当者 依頼人 代理人 申請人 申立人 "
    "所有者"
)
_LEAD_WORDS = re.compile(
    "^(?:" + "|".join(sorted(_LEAD, key=len, reverse=True)) + r"|[^ ]+?(?:課|係|局|署|庁)(?=.))+"
)
_NOT_KATAKANA_NAMES = _words(
    "ユーザー メーカー ベンダー オーナー ゲスト メンバー クライアント カスタマー スタッフ "
    "ドライバー ヘルパー ケアマネ ケアマネジャー ケースワーカー ワーカー サポーター パートナー "
    "ボランティア センター ショップ ストア ホテル デパート コンビニ ママ パパ オペレーター "
    "コーディネーター リーダー マネージャー サポート チーム グループ"
)
_NAME_MAX = 7
_LONGEST_WORD = max(len(w) for w in _NOT_NAME_WORDS | _NAME_EXCEPTIONS)


def _is_kanji(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or char in "々〆ヵヶ"


def _is_name_kanji(char: str) -> bool:
    # 様 and 殿 end the name before them (山田様田中様 is two people).
    return _is_kanji(char) and char not in "様殿"


def _is_katakana(char: str) -> bool:
    return "ァ" <= char <= "ヴ" or char in "ー・"


def _is_kanji_or_katakana(char: str) -> bool:
    return _is_kanji(char) or _is_katakana(char)


_READING = re.compile(rf"[{_KATA}ぁ-ん・ ]+")


def _run_before(text: str, end: int, belongs: Callable[[str], bool], limit: int) -> int:
    start = end
    while start > 0 and end - start < limit and belongs(text[start - 1]):
        start -= 1
    return start


def _name_before(text: str, end: int) -> tuple[int, int] | None:
    """The name that ends at `end` (just before an honorific), or None."""
    if end > 0 and text[end - 1] == " ":
        end -= 1
    if end > 0 and text[end - 1] == ")":
        # 西川 千尋（ニシカワ チヒロ）様: the reading in brackets sits between name and honorific.
        opening = text.rfind("(", max(0, end - 24), end)
        if opening > 0 and _READING.fullmatch(text, opening + 1, end - 1):
            end = opening
            if text[end - 1] == " ":
                end -= 1
    start = _run_before(text, end, _is_name_kanji, 10)
    if start == end:
        start = _run_before(text, end, _is_katakana, 16)
        if start >= 2 and text[start - 1] == " " and _is_katakana(text[start - 2]):
            start = _run_before(text, start - 1, _is_katakana, 16)  # ヤマダ タロウ様
        if start < end and text[start] == "・":
            start += 1
        name = text[start:end]
        letters = name.replace("・", "").replace("ー", "").replace(" ", "")
        if len(letters) < 2 or name in _NOT_KATAKANA_NAMES:
            return None
        return start, end
    honorific = text[end:].lstrip()[:3]
    # 鈴木 一郎 氏: a family name of 1–4 kanji (after any leading word), a space, a given name.
    if end - start <= 4 and start >= 2 and text[start - 1] == " ":
        family = _run_before(text, start - 1, _is_name_kanji, 8)
        lead = _LEAD_WORDS.match(text[family : start - 1])
        if lead and family + lead.end() < start - 1:
            family += lead.end()
        words = text[family : start - 1]
        after_number = family > 0 and text[family - 1].isdigit()  # 100番地 宮崎様
        if 1 <= len(words) <= 4 and not after_number and not _LEAD_WORDS.fullmatch(words):
            start = family
    run = text[start:end]
    pair = run[-1] + honorific
    if pair[:2] in _HONORIFIC_WORDS or pair[:3] in _HONORIFIC_WORDS:
        return None
    if start > 0 and text[start - 1] in "おご御" and len(run) <= 3:
        return None  # お客様, ご家族様, ご本人様: an honorific prefix, not a name
    lead = _LEAD_WORDS.match(run)
    if lead and len(run) - lead.end() >= 2:
        start += lead.end()
    role = _ROLE_SUFFIX.search(text, start, end)
    if role:
        end = role.start()
    run = text[start:end].strip()
    if not run:
        return None
    if not _is_name(run):
        return None
    if len(run.replace(" ", "")) > _NAME_MAX:
        start = end - 4  # a long run: keep the last characters, where the name is
    return start, end


# A name in a form's field: 氏名：山田 太郎, 申請者 佐藤花子, 担当：市民課 鈴木.
_LABELLED_NAME = re.compile(
    r"(?:氏名|お名前|名前|申請者|相談者|届出人|世帯主|代表者|担当者|担当|記入者|報告者|依頼者|請求者"
    r"|受給者|被保険者|名義人|宛名|患者|対象者|本人|保護者|代理人|申請人|届出者|契約者|所有者)"
    r"(?:名|氏名)?(?:[ ]?[:][ ]?|[ ])"
    rf"(?:[{_KANJI}]{{1,6}}[課係室局][ ]?)?"
    rf"(?P<name>[{_KANJI}]{{1,4}}(?:[ ][{_KANJI}]{{1,4}})?"
    rf"|[{_KATA}]{{2,8}}(?:[ ・][{_KATA}]{{2,8}})?)"
    rf"(?![{_KANJI}{_KATA}])"
)
_NOT_LABELLED_NAMES = _words(
    "内線 未定 不明 同上 省略 空欄 無 無し 未記入 別紙 下記 上記 後日 記入例 任意"
)


def _ends_with(text: str, words: frozenset[str]) -> bool:
    return any(text[-n:] in words for n in range(1, min(len(text), _LONGEST_WORD) + 1))


def _is_name(name: str) -> bool:
    compact = name.replace(" ", "").replace("・", "")
    if not compact or compact in _NOT_LABELLED_NAMES or compact in _NOT_KATAKANA_NAMES:
        return False
    if compact in _NOT_NAME_CHARS or _ends_with(compact, _NOT_NAME_WORDS):
        return False
    return compact[-1] not in _NOT_NAME_LAST or _ends_with(compact, _NAME_EXCEPTIONS)


def _person_names(text: str) -> Iterator[_Candidate]:
    # Names written in kanji and katakana only; a Latin letter (Aさん) is already anonymous.
    for match in _HONORIFIC.finditer(text):
        found = _name_before(text, match.start())
        if found is None:
            continue
        start, end = found
        # The honorific and a space before it, never a reading in brackets (西川（ニシカワ）様).
        gap = text[end : match.start()]
        yield "person_name", start, end, (gap if not gap.strip() else "") + match.group()
    for match in _LABELLED_NAME.finditer(text):
        if _is_name(match.group("name")):
            yield "person_name", match.start("name"), match.end("name"), ""


# ---------------------------------------------------------------------------------------------
# sensitive: words of the categories of 要配慮個人情報 (個人情報保護法 2条3項)

_SENSITIVE_WORDS = _words(
    # health, disability
    "病歴 病名 既往歴 持病 傷病 疾患 疾病 難病 認知症 うつ病 鬱病 依存症 精神疾患 精神障害 精神科 "
    "精神 障害者手帳 身体障害者手帳 精神障害者保健福祉手帳 療育手帳 愛の手帳 障害者 障害児 障害 "
    "障がい者 障がい児 障がい 障碍 診断書 健康診断 診断 診療 通院 入院 治療 服薬 投薬 手術 "
    "カルテ 要介護 要支援 介護認定 妊娠 HIV エイズ 自殺 自死 "
    # crime and its victims
    "犯罪歴 犯歴 前科 前歴 逮捕 起訴 有罪 服役 受刑 刑事事件 少年事件 少年院 保護観察 執行猶予 "
    "被疑者 被告人 犯罪被害 被害届 被害者 性被害 "
    # welfare, family violence
    "生活保護 DV ドメスティック・バイオレンス ドメスティックバイオレンス 配偶者暴力 虐待 "
    "ストーカー "
    # creed, race, social status
    "思想信条 信条 信仰 宗教 人種 民族 門地 社会的身分 被差別部落 性的指向 性自認"
)
_SENSITIVE = re.compile(
    "|".join(
        r"DV(?<![A-Za-z]DV)(?![A-Za-z])" if w == "DV" else re.escape(w)
        for w in sorted(_SENSITIVE_WORDS, key=len, reverse=True)
    )
)
# The same words in another sense: システム障害, 耐震診断, チャレンジ精神, 障害物.
_TECHNICAL_BEFORE = re.compile(
    r"(?:システム|通信|ネットワーク|サーバー?|回線|機器|電源|設備|運用|接続|配信|ソフトウェア|ハードウェア"
    r"|端末|基盤|データベース|クラウド|回路|機械|電気|停電|網|画面|印刷|メール|耐震|経営|セキュリティ"
    r"|脆弱性|建物|土壌|省エネ|環境|簡易|劣化|構造|組織|AI|IT|エネルギー|チャレンジ|ボランティア|奉仕"
    r"|公共|開拓|自立|協調|遵法|スポーツマン|フロンティア|おもてなし|サービス|ホスピタリティ|起業家)"
    r"[ ]?(?:の|に|で)?$"
)
_TECHNICAL_AFTER = re.compile(
    r"物|発生|復旧|切り分け|切分け|検知|監視|票|対策|対応|時|箇所|原因|範囲|レベル|件数|通知|論|力"
    r"|換算|加算"
)
_AMBIGUOUS_SENSITIVE = frozenset(("障害", "障がい", "障碍", "診断", "精神", "前歴"))
# A word inside the name of an office, a legal person or a statute is not about anyone
# (障害福祉課, 生活保護担当, 精神保健福祉センター, 宗教法人, 障害者差別解消法).
_ORGANISATION_END = re.compile(r"(?:課|係|室|所|センター|担当|部|局|法人|審査会|協議会|委員会|法)$")


def _sensitive_words(text: str) -> Iterator[_Candidate]:
    for match in _SENSITIVE.finditer(text):
        start, end = match.span()
        word = match.group()
        if word in _AMBIGUOUS_SENSITIVE:
            if _TECHNICAL_BEFORE.search(text, max(0, start - 12), start):
                continue
            if _TECHNICAL_AFTER.match(text, end):
                continue
        follow = end
        while follow < len(text) and follow - end < 10 and _is_kanji_or_katakana(text[follow]):
            follow += 1
        if follow > end and _ORGANISATION_END.search(text, end, follow):
            continue
        yield "sensitive", start, end, ""


# ---------------------------------------------------------------------------------------------
# Putting it together

_DETECTORS: tuple[Callable[[str], Iterator[_Candidate]], ...] = (
    _my_numbers,
    _resident_codes,
    _phones,
    _emails,
    _postal_codes,
    _addresses,
    _birth_dates,
    _bank_accounts,
    _person_names,
    _sensitive_words,
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
    view = _view(text)
    norm = view.text
    candidates = [c for detect in _DETECTORS for c in detect(norm) if c[2] > c[1]]
    candidates.sort(key=lambda c: (_RANK[c[0]], c[1] - c[2], c[1]))
    taken = bytearray(len(norm))
    chosen: list[_Candidate] = []
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
