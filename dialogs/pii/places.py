"""Detectors of postal codes and addresses, dates of birth and bank accounts."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dialogs.pii.view import HY, KANJI, KATA, Candidate, last_end, text_before

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
    rf"(?:[{KANJI}{KATA}]{{1,6}}?|(?:{_HIRAGANA_MUNICIPALITIES})(?=[市町村]))"
    r"(?:市(?![民長内外場議役立営街況制政])|区(?![分域長民内外会議役立画間別])"
    r"|郡|町(?![内会民長議役立])|村(?![民長内議役立]))"
)
_MUNICIPALITY_RE = re.compile(_MUNICIPALITY)
_TOWN = rf"(?:(?![{_PARTICLES}])(?:[{KANJI}{KATA}ぁ-ん]|[0-9]+条){{1,14}}?)?"
_BLOCK_NUMBER = (
    rf"(?:(?:[0-9]+|[一二三四五六七八九十]+)丁目"
    rf"(?:[ ]?[0-9]+(?:番地?の?|[{HY}])(?:[0-9]+号?(?:[{HY}][0-9]+)?)?)?"
    rf"|[0-9]+番地(?:の?[0-9]+)?(?:[{HY}][0-9]+)?"
    rf"|[0-9]+番[0-9]+号?"
    rf"|(?P<dashed>[0-9]+[{HY}][0-9]+(?:[{HY}][0-9]+)?)(?![0-9]|[月日年時分件人名円%]|号(?!室)))"
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
    rf"(?:[ ]?[{KANJI}{KATA}A-Za-z]{{0,12}}?[ ]?[0-9]{{1,4}}号室)?)"
)
# Names that end like a municipality but are districts or generic words.
_NOT_MUNICIPALITY = re.compile(
    r"^(?:地区|学区|校区|選挙区|特区|管区|各区|同区|本町|同町|同市|当市|本市)"
)
# Anchors: an address is only looked for in front of something that reads as a block number
# and follows a town name (or a space), and only in the run of characters an address is made of.
# (Two patterns: one alternation of both would keep `re` from skipping ahead quickly.)
_BLOCK_NUMBER_ANCHOR = re.compile(
    rf"[1-9](?<=[{KANJI}{KATA}ぁ-ん ][1-9])[0-9]*(?:丁目|番|[{HY}][0-9])"
)
_KANJI_NUMERALS = "一二三四五六七八九十"
_KANJI_CHOME_ANCHOR = re.compile(f"丁目(?<=[{_KANJI_NUMERALS}]丁目)")
_TOWN_CHAR = re.compile(rf"[{KANJI}{KATA}ぁ-ん ]")
_NOT_ADDRESS_CHAR = re.compile(rf"[^{KANJI}{KATA}ぁ-ん0-9{HY} ]")
_ADDRESS_REACH = 40
_DIVISION_SUFFIX = re.compile("[都道府県市区町村郡]")
_NAME_BEFORE_DIVISION = 6 + 3  # the longest municipality name and the longest label (現住所)

_POSTAL_KEYWORD = re.compile(
    rf"(?:〒|郵便番号|ZIP|Zip|zip)[^0-9\n。]{{0,4}}?(?<![0-9])"
    rf"([0-9]{{3}}[{HY}]?[0-9]{{4}})(?![0-9])(?![ ]?[件円人名])"
)
_POSTAL_BEFORE_ADDRESS = re.compile(
    rf"([0-9]{{3}})(?<![0-9A-Za-z{HY}][0-9]{{3}})([{HY}][0-9]{{4}})(?![0-9])"
    rf"(?=[ ]?(?:{_PREFECTURES}|[{KANJI}ぁ-ん]{{1,6}}?[市区町村郡]))"
)


def postal_codes(text: str) -> Iterator[Candidate]:
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


def addresses(text: str) -> Iterator[Candidate]:
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
    rf"[ ]?(?:年|(?P<sep>[./{HY}]))[ ]?"
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


def birth_dates(text: str) -> Iterator[Candidate]:
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
            before = text_before(text, start, 16)
            if last_end(_BIRTH_BEFORE, before) <= last_end(_NOT_BIRTH_BEFORE, before):
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
    rf"([0-9]{{5}}(?:[{HY}]|[ ]?番号[ ]?[:]?[ ]?|[ ])[0-9]{{7,8}})(?![0-9])"
)


def bank_accounts(text: str) -> Iterator[Candidate]:
    for pattern in (_POSTAL_BANK, _BANK_ACCOUNT):
        for match in pattern.finditer(text):
            yield "bank_account", match.start(1), match.end(1), ""
