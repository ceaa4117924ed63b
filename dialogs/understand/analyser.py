"""Japanese (and English) text as lemmas: SudachiPy with its core dictionary.

Sudachi's *normalized form* folds the variants people type into one word: 「問合せ」「問い合わせ」,
「ｺﾊﾟｲﾛｯﾄ」「コパイロット」, 「使える」「使って」「使えば」 → 使う, 「おしえて」 → 教える.
Split mode C keeps compounds whole (議事録, 生成AI, 問い合わせ先), which are the words that
carry meaning here. One tokenizer is made per process (loading the dictionary is ~40 ms; a
short message then costs ~15 µs).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from sudachipy import Dictionary, SplitMode

from dialogs.text import clean, katakana_to_hiragana

# Parts of speech that carry no meaning of their own for intents (kept out of `content`).
_FUNCTION = ("助詞", "助動詞", "補助記号", "空白", "接頭辞", "接尾辞")


@dataclass(frozen=True)
class Token:
    surface: str
    lemma: str  # Sudachi's normalized form, lower case
    pos: str  # the first part-of-speech level (名詞, 動詞, …)


@dataclass(frozen=True)
class Analysis:
    """One message as the understanding sees it."""

    folded: str  # NFKC, lower case, katakana as hiragana, no spaces: for character n-grams
    tokens: tuple[Token, ...]

    @property
    def lemmas(self) -> tuple[str, ...]:
        return tuple(t.lemma for t in self.tokens if t.pos not in ("補助記号", "空白"))

    @property
    def content(self) -> tuple[str, ...]:
        return tuple(t.lemma for t in self.tokens if t.pos not in _FUNCTION)

    @property
    def is_question(self) -> bool:
        return any(t.surface in ("?", "？") for t in self.tokens) or self.folded.endswith(
            ("か", "かな", "の")
        )

    @property
    def is_request(self) -> bool:
        """Asks for something (a question, 〜たい, 〜て(ください／ほしい), お願い), unlike a
        name, a noun phrase or a statement (「議事録AI」「区分を改めました」), which in a form
        is far more likely the answer."""
        if self.is_question:
            return True
        lemmas = set(self.lemmas)
        if lemmas & {"たい", "下さる", "欲しい", "願う"}:
            return True
        words = [t for t in self.tokens if t.pos not in ("補助記号", "空白")]
        if words and words[-1].lemma in ("て", "で") and words[-1].pos == "助詞":
            return True
        english = ("can", "may", "show", "check", "which", "how", "what", "who", "when", "list")
        return bool(words) and words[0].lemma in english

    def has(self, *lemmas: str) -> bool:
        """Whether every one of these lemmas is in the message."""
        present = set(self.lemmas)
        return all(lemma in present for lemma in lemmas)


@cache
def _tokenizer():  # type: ignore[no-untyped-def]
    return Dictionary(dict="core").tokenizer(SplitMode.C)


def warm_up() -> None:
    """Load the dictionary now (at start), not in the first person's turn."""
    _tokenizer().tokenize("起動")


@lru_cache(maxsize=512)
def analyse(text: str) -> Analysis:
    """The message's lemmas; the same text is analysed once however often it is asked."""
    nfkc = unicodedata.normalize("NFKC", clean(text)).casefold()
    tokens = tuple(
        Token(m.surface(), m.normalized_form().casefold(), m.part_of_speech()[0])
        for m in _tokenizer().tokenize(nfkc[:1000])
    )
    folded = katakana_to_hiragana(nfkc).replace(" ", "").replace("\u3000", "")
    return Analysis(folded=folded, tokens=tokens)


def reading(word: str) -> str:
    """How a word sounds, in hiragana (Sudachi's reading form)."""
    nfkc = unicodedata.normalize("NFKC", word)
    return katakana_to_hiragana("".join(m.reading_form() for m in _tokenizer().tokenize(nfkc)))
