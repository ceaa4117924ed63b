"""Japanese typed variations: widths, kana, punctuation all mean the same."""

from __future__ import annotations

import pytest

from dialogs.keywords import control_word, intent_word
from dialogs.text import clean, normalize


@pytest.mark.parametrize(
    ("typed", "meaning"),
    [
        ("はい", "yes"),
        ("ハイ！", "yes"),
        ("ＯＫ", "yes"),
        ("ok.", "yes"),
        ("いいえ", "no"),
        ("イイエ。", "no"),
        ("戻る", "back"),
        ("もどる", "back"),
        ("スキップ", "skip"),
        ("ｽｷｯﾌﾟ", "skip"),
        ("やめる", "cancel"),
        ("中止", "cancel"),
        ("キャンセル", "cancel"),
        ("Cancel", "cancel"),
        ("送信", "submit"),
        ("修正", "edit"),
        ("続ける", "continue"),
        ("あとで", "later"),
    ],
)
def test_control_words(typed: str, meaning: str) -> None:
    assert control_word(typed) == meaning


def test_a_sentence_is_not_a_control_word() -> None:
    assert control_word("はい、でも質問があります") is None


@pytest.mark.parametrize(
    ("typed", "intent"),
    [
        ("メニュー", "menu"),
        ("めにゅー", "menu"),
        ("問い合わせ先を教えてください", "contacts"),
        ("ﾌﾟﾛﾌｨｰﾙ", "profile"),
        ("Help me", "help"),
        ("English", "language_en"),
    ],
)
def test_intents_in_free_text(typed: str, intent: str) -> None:
    assert intent_word(typed) == intent


def test_a_latin_keyword_must_be_a_whole_word() -> None:
    assert intent_word("this is nothing") is None  # "hi" inside "this" is not a greeting


def test_normalize_folds_width_kana_and_trailing_punctuation() -> None:
    assert normalize("ＡＢＣ１２３") == "abc123"
    assert normalize("カタカナ") == "かたかな"
    assert normalize("  はい！？。 ") == "はい"


def test_clean_drops_control_characters_but_keeps_lines_and_emoji() -> None:
    assert clean("\x00a\x07b\nc🌸\u200b ") == "ab\nc🌸"


def test_clean_drops_bidirectional_overrides_that_would_disguise_a_name() -> None:
    # U+202E shows 「山田太郎 gnp.exe」 as 「山田太郎 exe.png」; isolates and embeddings alike.
    disguised = "山田太郎 \u202egnp.exe\u202c と \u2066隠す\u2069 \u202a埋め込み\u202c"
    assert clean(disguised) == "山田太郎 gnp.exe と 隠す 埋め込み"
