"""The detector of person names written before an honorific (山田様, 佐藤さん)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from dialogs.pii.view import KANJI, KATA, Candidate, word_set

# ---------------------------------------------------------------------------------------------
# person_name: a name written before an honorific

_HONORIFIC = re.compile(
    rf"(?:様(?![式子相態々変])|さま(?!ざま)|さん|先生(?!方)|氏(?![名家族神])|殿(?![{KANJI}])"
    rf"|君(?![{KANJI}])|くん|ちゃん(?!と))"
)
# Kanji that, alone before an honorific, are a word and not a name (お客様, 皆さん, 上様, 奥さん).
_NOT_NAME_CHARS = frozenset(
    "皆客子奥各貴諸両某当同先御上王神仏殿仕多模異一有今別外左然斯父母兄姉弟妹孫嫁婿娘坊姫若夫妻"
    "彼主嬢婆爺隣市区県都府郡寺"
)
# The last kanji of a run and the honorific together make a word (画面仕様, 同氏, 貴殿, 諸君).
_HONORIFIC_WORDS = word_set(
    "仕様 同様 多様 模様 異様 王様 神様 仏様 殿様 奥様 皆様 "
    "同氏 両氏 各氏 某氏 諸氏 彼氏 貴氏 貴殿 御殿 宮殿 神殿 沈殿 本殿 拝殿 仏殿 湯殿 "
    "諸君 主君 父君 細君 暴君 名君 貴君 夫君 若君 姫君 母君 皆さん 奥さん"
)
# A run that ends in one of these is a role, a group or an organisation (担当者様, 本人様 …).
_NOT_NAME_WORDS = word_set(
    "旦那 彼女 苦労 息子 家族 遺族 親族 両親 主人 本人 個人 代理人 保証人 後見人 管理人 知人 友人 "
    "隣人 住人 同居人 相続人 申立人 請求人 届出人 証人 法人 外国人 成人 老人 恋人 職人 商人 家人 "
    "他人 新人 役人 犯人 故人 婦人 夫人 大人 各人 当人 依頼人 先方 当方 貴方 相手 相手方 双方 皆々 "
    "大家 事業部 本部 支部 事務所 役所 営業所 研究所 出張所 支所 保健所 相談所 事業所 診療所 "
    "製作所 各位 会社 商事 商店 工業 建設 産業 組合 財団 銀行 薬局 大学 神社 医師"
)
_NOT_NAME_LAST = frozenset("者員民社店課係局庁省署会園院校族協団業客屋手")
# Family names that end in one of _NOT_NAME_LAST (土屋さん is a person, 八百屋さん a shop).
_NAME_EXCEPTIONS = word_set("土屋 古屋 守屋 関屋 鳥屋 大屋 宮屋 森屋 高屋 長屋 岩屋 園 会田")
_ROLE_SUFFIX = re.compile(
    r"(?:課長補佐|事務局長|理事長|委員長|課長|部長|係長|次長|室長|局長|所長|市長|町長|村長|区長"
    r"|知事|議長|会長|社長|校長|園長|院長|館長|委員|議員|主任|主査|主事|主幹|参事|補佐|教授"
    r"|医師|弁護士|司法書士|税理士|保健師|看護師|店長|代表|理事|支配人)$"
)
# Words that often stand right before a name in the same kanji run (本日山田様, 市民課佐藤さん);
# longest first, so that 依頼人 is taken whole and not as 依頼 + 人….
_LEAD = word_set(
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
_NOT_KATAKANA_NAMES = word_set(
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


def is_kanji_or_katakana(char: str) -> bool:
    return _is_kanji(char) or _is_katakana(char)


_READING = re.compile(rf"[{KATA}ぁ-ん・ ]+")


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
    rf"(?:[{KANJI}]{{1,6}}[課係室局][ ]?)?"
    rf"(?P<name>[{KANJI}]{{1,4}}(?:[ ][{KANJI}]{{1,4}})?"
    rf"|[{KATA}]{{2,8}}(?:[ ・][{KATA}]{{2,8}})?)"
    rf"(?![{KANJI}{KATA}])"
)
_NOT_LABELLED_NAMES = word_set(
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


def person_names(text: str) -> Iterator[Candidate]:
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
