"""A small multinomial naive Bayes over lemmas, lemma pairs and character bigrams.

Trained at build time (`python -m dialogs.understand.train`) on the labelled corpus in
tests/data/intent_corpus_build.tsv; the counts are stored in model.json beside this file, so
a running bot needs neither the corpus nor any training. Lemmas generalise over verb forms
and spelling variants; character bigrams over typos and words the dictionary splits oddly.
Deterministic: the same corpus gives the same file, the same text the same scores.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from dialogs.understand.analyser import Analysis

# Character bigrams are many per message; weighted down so words decide and bigrams help.
CHAR_WEIGHT = 0.35
PAIR_WEIGHT = 0.7
# A compound's shorter words: the compound itself says more, its parts generalise.
PART_WEIGHT = 0.5
# A word found spelled in kana counts as typed: it is the word the person meant.
SPELLED_WEIGHT = 1.0
# Bigrams of the message's sound: lighter still, they only bridge kana and kanji spellings.
SOUND_WEIGHT = 0.1
SMOOTHING = 0.3


def features(analysis: Analysis) -> Counter[str]:
    found: Counter[str] = Counter()
    lemmas = analysis.lemmas
    for lemma in lemmas:
        found[f"w:{lemma}"] += 1.0
    for token in analysis.tokens:
        for part in token.parts:
            found[f"w:{part}"] += PART_WEIGHT
    for word in analysis.spelled:
        found[f"w:{word}"] += SPELLED_WEIGHT
    for first, second in itertools.pairwise(lemmas):
        found[f"p:{first}|{second}"] += PAIR_WEIGHT
    if analysis.is_question:
        found["q:?"] += 1.0
    text = analysis.folded
    for start in range(len(text) - 1):
        found[f"c:{text[start : start + 2]}"] += CHAR_WEIGHT
    sound = analysis.reading
    for start in range(len(sound) - 1):
        found[f"r:{sound[start : start + 2]}"] += SOUND_WEIGHT
    return found


@dataclass(frozen=True)
class Model:
    """Per intent: how many examples, and the weighted count of every feature seen."""

    examples: dict[str, int]
    counts: dict[str, dict[str, float]]
    vocabulary: int

    @classmethod
    def train(cls, rows: Iterable[tuple[str, Analysis]]) -> Model:
        examples: Counter[str] = Counter()
        counts: dict[str, Counter[str]] = {}
        for intent, analysis in rows:
            examples[intent] += 1
            counts.setdefault(intent, Counter()).update(features(analysis))
        vocabulary = len({f for c in counts.values() for f in c})
        return cls(
            examples=dict(sorted(examples.items())),
            counts={
                intent: {f: round(n, 3) for f, n in sorted(found.items())}
                for intent, found in sorted(counts.items())
            },
            vocabulary=vocabulary,
        )

    def to_json(self) -> str:
        data = {"examples": self.examples, "vocabulary": self.vocabulary, "counts": self.counts}
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        return cls(data["examples"], data["counts"], data["vocabulary"])

    def probabilities(self, analysis: Analysis) -> dict[str, float]:
        """Each intent's probability for this message (summing to 1), most likely first."""
        return self._posterior(features(analysis))

    def _posterior(self, found: Counter[str]) -> dict[str, float]:
        intents, priors, unseen, table = _prepared(self)
        scores = list(priors)
        missing = 0.0
        for feature, count in found.items():
            row = table.get(feature)
            if row is None:
                missing += count  # a feature no intent has seen: the same for each
                continue
            scores = [score + count * value for score, value in zip(scores, row, strict=True)]
        weight = math.sqrt(sum(found.values()) or 1.0)
        # Naive Bayes is overconfident on long texts: the log-likelihood is divided by the
        # square root of the message's weight so probabilities stay comparable.
        scores = [(s + missing * u) / weight for s, u in zip(scores, unseen, strict=True)]
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        ranked = sorted(zip(intents, exp, strict=True), key=lambda item: (-item[1], item[0]))
        return {intent: value / total for intent, value in ranked}

    def __hash__(self) -> int:
        return id(self)


Prepared = tuple[
    tuple[str, ...], tuple[float, ...], tuple[float, ...], dict[str, tuple[float, ...]]
]
_TABLES: dict[int, Prepared] = {}


def _prepared(model: Model) -> Prepared:
    """Log-probabilities as one row per feature (a value per intent), computed once."""
    key = id(model)
    if key not in _TABLES:
        intents = tuple(sorted(model.counts))
        total_examples = sum(model.examples.values())
        priors, unseen, logs = [], [], []
        for intent in intents:
            counts = model.counts[intent]
            mass = sum(counts.values()) + SMOOTHING * model.vocabulary
            priors.append(math.log(model.examples[intent] / total_examples))
            unseen.append(math.log(SMOOTHING / mass))
            logs.append((counts, mass))
        features = {f for counts in model.counts.values() for f in counts}
        table = {
            f: tuple(math.log((counts.get(f, 0.0) + SMOOTHING) / mass) for counts, mass in logs)
            for f in features
        }
        _TABLES[key] = (intents, tuple(priors), tuple(unseen), table)
    return _TABLES[key]


@cache
def shipped() -> Model:
    """The model built from the corpus and shipped with the package."""
    text = resources.files("dialogs.understand").joinpath("model.json").read_text("utf-8")
    return Model.from_json(text)
