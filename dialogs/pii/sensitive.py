"""The detector of words of 要配慮個人情報 (個人情報保護法 2条3項)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dialogs.pii.names import is_kanji_or_katakana
from dialogs.pii.view import Candidate, word_set

# sensitive: words of the categories of 要配慮個人情報 (個人情報保護法 2条3項)

_SENSITIVE_WORDS = word_set(
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


def sensitive_words(text: str) -> Iterator[Candidate]:
    for match in _SENSITIVE.finditer(text):
        start, end = match.span()
        word = match.group()
        if word in _AMBIGUOUS_SENSITIVE:
            if _TECHNICAL_BEFORE.search(text, max(0, start - 12), start):
                continue
            if _TECHNICAL_AFTER.match(text, end):
                continue
        follow = end
        while follow < len(text) and follow - end < 10 and is_kanji_or_katakana(text[follow]):
            follow += 1
        if follow > end and _ORGANISATION_END.search(text, end, follow):
            continue
        yield "sensitive", start, end, ""


# ---------------------------------------------------------------------------------------------
