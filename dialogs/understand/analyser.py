"""Japanese (and English) text as lemmas: SudachiPy with its core dictionary.

Sudachi's *normalized form* folds the variants people type into one word: 「問合せ」「問い合わせ」,
「ｺﾊﾟｲﾛｯﾄ」「コパイロット」, 「使える」「使って」「使えば」 → 使う, 「おしえて」 → 教える.
The message's *reading* (how it sounds, in hiragana) lets 「けんしゅう」「ｹﾝｼｭｳ」 and a
kanji slip of the same sound meet 研修 where the lemmas cannot; the words of the cues are also
looked for, by their sound, inside runs of kana. Split mode C keeps compounds whole (議事録,
生成AI, 問い合わせ先), which carry meaning here; their shorter words (mode A) are kept beside
them so a rule on 窓口 sees 「相談窓口」. English words stay English (Sudachi turns some into
katakana). One tokenizer is made per process (loading the dictionary is ~40 ms; a short
message then costs ~15 µs).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from sudachipy import Dictionary, SplitMode

from dialogs.text import clean, katakana_to_hiragana

# Words of what is still to come.
_PLANNED = frozenset({"予定", "つもり", "来週", "来月", "明日", "明後日", "will", "plan"})
# Parts of speech that carry no meaning of their own for intents (kept out of `content`).
_FUNCTION = ("助詞", "助動詞", "補助記号", "空白", "接頭辞", "接尾辞")


@dataclass(frozen=True)
class Token:
    surface: str
    lemma: str  # Sudachi's normalized form, lower case
    pos: str  # the first part-of-speech level (名詞, 動詞, …)
    parts: tuple[str, ...] = ()  # a compound's shorter words (相談窓口: 相談, 窓口), lemmas


@dataclass(frozen=True)
class Analysis:
    """One message as the understanding sees it."""

    folded: str  # NFKC, lower case, katakana as hiragana, no spaces: for character n-grams
    tokens: tuple[Token, ...]
    # How the message sounds, in hiragana, no spaces: for character n-grams of the sound, so
    # kana typed for a word written in kanji still meets it (「にゅうりょく」 / 入力).
    reading: str = ""
    # Words of the cues and slots found spelled in kana (「けんしゅう」→ 研修, 「めにゅー」→
    # メニュー): text typed without kanji conversion, which Sudachi splits into nonsense.
    spelled: tuple[str, ...] = ()

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

    @property
    def is_negative(self) -> bool:
        """Says something has not (yet) happened: 「まだ」「受講していません」「受けてない」
        「未受講」「not yet」."""
        for token in self.tokens:
            if token.pos == "助動詞" and token.lemma in ("ない", "ず", "ぬ"):
                return True
            if token.lemma in ("無い", "未だ", "not", "never") or token.lemma.startswith("未"):
                return True
        return False

    @property
    def not_happened(self) -> bool:
        """Says something has not happened, or is still to come: 「まだ」「受けていません」
        「10月1日に受講予定」「来週受けます」「I will take it」."""
        return self.is_negative or bool(self.words & _PLANNED)

    @property
    def words(self) -> frozenset[str]:
        """The lemmas and the shorter words inside compounds: what the cues look for, so a
        rule on 窓口 also sees 「相談窓口」 and one on 部署 sees 「部署名」."""
        parts = {p for t in self.tokens for p in t.parts}
        return frozenset(self.lemmas) | parts | set(self.spelled)

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
    _sounds()


@lru_cache(maxsize=512)
def analyse(text: str) -> Analysis:
    """The message's lemmas; the same text is analysed once however often it is asked."""
    nfkc = unicodedata.normalize("NFKC", clean(text)).casefold()
    morphemes = _tokenizer().tokenize(nfkc[:1000])
    tokens = tuple(token for m in morphemes for token in _tokens(m))
    folded = katakana_to_hiragana(nfkc).replace(" ", "").replace("\u3000", "")
    sound = "".join(_sound(m.surface(), m.reading_form()) for m in morphemes)
    return Analysis(folded=folded, tokens=tokens, reading=sound, spelled=_spelled(folded))


# A run of kana long enough to hold a word, and the shortest word reading worth finding in
# one (two kana would match inside too many ordinary words).
_KANA_RUN = re.compile(r"[ぁ-ゖー]{3,}")
_SHORTEST = 3


@cache
def _readings() -> tuple[tuple[str, str], ...]:
    """(reading, word) for the words the cues and slots are written in that are not kana
    already: kanji (研修) and katakana (メニュー) words. Longest reading first."""
    files = resources.files("dialogs.understand")
    found: set[str] = set()
    cues = tomllib.loads(files.joinpath("intents.toml").read_text("utf-8"))
    for cue in cues.get("cue", ()):
        for key in ("all", "any", "also"):
            found.update(w for w in cue.get(key, ()) if not w.isascii())
    slots = tomllib.loads(files.joinpath("slots.toml").read_text("utf-8"))
    for words in slots.get("purpose", {}).values():
        found.update(w for w in words if not w.isascii() and not w.startswith("text:"))
    pairs = set()
    for word in found:
        if all("ぁ" <= c <= "ゖ" or c == "ー" for c in word):
            continue  # a word written in hiragana is found as it is
        for sound in _spoken_variants(reading(word)):
            if len(sound) >= _SHORTEST:
                pairs.add((sound, word.casefold()))
    return tuple(sorted(pairs, key=lambda pair: (-len(pair[0]), pair)))


# A kanji compound's reading joins its parts with a small っ and a voiced or half-voiced
# sound (別表 べっぴょう, 日程 にってい) that people typing kana often spell part by part
# (べつひょう, にちてい): both spellings stand for the word.
_JOINED = re.compile(r"っ([ぱぴぷぺぽかきくけこさしすせそたちつてと])")
_UNJOINED = {"ぱ": "は", "ぴ": "ひ", "ぷ": "ふ", "ぺ": "へ", "ぽ": "ほ"}


def _spoken_variants(sound: str) -> tuple[str, ...]:
    """The reading, and the same reading with its joins spelled out (つ／ち／く before the
    plain sound)."""
    if "っ" not in sound:
        return (sound,)
    variants = {sound}
    for stem in ("つ", "ち", "く"):
        variants.add(_JOINED.sub(lambda m, s=stem: s + _UNJOINED.get(m[1], m[1]), sound))
    return tuple(sorted(variants))


@cache
def _sounds() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """One pattern for every known reading, longest first (so 「こじんじょうほう」 is 個人情報,
    not 個人 and 情報), and the words each reading stands for."""
    words: dict[str, list[str]] = {}
    for sound, word in _readings():
        words.setdefault(sound, []).append(word)
    pattern = re.compile("|".join(re.escape(sound) for sound in words))
    return pattern, {sound: tuple(found) for sound, found in words.items()}


def _spelled(folded: str) -> tuple[str, ...]:
    """The known words inside the message's kana runs, left to right, without overlaps."""
    runs = _KANA_RUN.findall(folded)
    if not runs:
        return ()
    pattern, words = _sounds()
    found = {w for run in runs for match in pattern.finditer(run) for w in words[match[0]]}
    return tuple(sorted(found))


def _tokens(m) -> tuple[Token, ...]:  # type: ignore[no-untyped-def]
    surface = m.surface()
    if surface.isascii() and " " in surface.strip():
        # The dictionary holds some English phrases as one word ("main menu", "hey there"):
        # English is read word by word, as the corpus and the cues write it.
        return tuple(Token(w, w.casefold(), "名詞") for w in surface.split())
    return (_token(m),)


def _token(m) -> Token:  # type: ignore[no-untyped-def]
    surface = m.surface()
    # Sudachi normalises some English words to katakana (contact → コンタクト, check →
    # チェック) and leaves others (reports, filed): an English word stays English, so the
    # English of the corpus and the cues is one vocabulary (a contraction too: don't, not ドント).
    english = surface.isascii() and surface.replace("'", "").isalpha()
    lemma = surface if english else m.normalized_form()
    parts: tuple[str, ...] = ()
    if len(surface) > 1 and m.part_of_speech()[0] == "名詞" and not surface.isascii():
        pieces = m.split(SplitMode.A)  # only nouns are compounds worth opening
        if len(pieces) > 1:
            parts = tuple(p.normalized_form().casefold() for p in pieces)
    return Token(surface, lemma.casefold(), m.part_of_speech()[0], parts)


def _sound(surface: str, reading_form: str) -> str:
    """One word's sound in hiragana; a word with no kana reading (Latin, digits, unknown
    symbols) sounds as it is written, so the reading never loses what the text says."""
    kana = katakana_to_hiragana(reading_form)
    if kana and all("ぁ" <= c <= "ゖ" or c == "ー" for c in kana):
        return kana
    return katakana_to_hiragana(surface).replace(" ", "").replace("\u3000", "")


def reading(word: str) -> str:
    """How a word sounds, in hiragana (Sudachi's reading form)."""
    nfkc = unicodedata.normalize("NFKC", word)
    return katakana_to_hiragana("".join(m.reading_form() for m in _tokenizer().tokenize(nfkc)))


@cache
def lemma_forms(word: str) -> frozenset[str]:
    """A word of a rule as the analyser will see it: as written and, when the dictionary reads
    it as one word, its normalized form, so a rule written 「する」「しまう」「やる」 meets the
    lemmas 為る・仕舞う・遣る that Sudachi gives for them."""
    folded = word.casefold()
    if folded.isascii():
        return frozenset({folded})
    morphemes = _tokenizer().tokenize(unicodedata.normalize("NFKC", folded))
    if len(morphemes) != 1:
        return frozenset({folded})
    return frozenset({folded, morphemes[0].normalized_form().casefold()})


def phrase_key(word: str) -> str | None:
    """A rule's word that the dictionary splits into several (「あざす」「さんきゅ」): no lemma
    of a message is ever that word, so it is looked for in the folded text instead. The
    folded spelling to look for, or None for a word the lemmas can meet."""
    folded = unicodedata.normalize("NFKC", word).casefold()
    if folded.isascii():  # English: a phrase of several words ("by mistake"), never one word
        return folded.replace(" ", "") if " " in folded.strip() else None
    # Two characters (「した」「まで」) would be found inside too many other words.
    if len(folded) < 3 or len(_tokenizer().tokenize(folded)) == 1:
        return None
    return katakana_to_hiragana(folded).replace(" ", "")
