"""Understanding what staff type: which intent, how sure, and what the message names.

`understand(text)` combines three things, each data rather than code:
- exact phrases (keywords.toml's intent lists, the menu's own labels): certain;
- a naive Bayes model over lemmas and character bigrams, built from the labelled corpus
  (model.py, model.json);
- cues, rules over lemmas and slots that tell look-alikes apart (intents.toml).
When the best two are close, the answer is not a guess: `candidates` lists the two or three
likeliest intents for the router to offer as buttons.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from dialogs.keywords import exact_intent
from dialogs.text import normalize
from dialogs.understand.analyser import Analysis, analyse, lemma_forms, phrase_key
from dialogs.understand.analyser import warm_up as _warm_analyser
from dialogs.understand.model import shipped
from dialogs.understand.slots import Slots, slots_of

__all__ = ["NONE", "Understanding", "interrupting_intents", "understand", "warm_up"]

NONE = "none"  # out of scope: none of the bot's intents
# Taken as meant when this probable and this far ahead of the next; otherwise asked.
SURE = 0.35
MARGIN = 0.15
# A candidate worth offering as a button when unsure.
OFFER = 0.1


@dataclass(frozen=True)
class Understanding:
    intent: str | None  # the intent meant (NONE: out of scope); None: unsure, see candidates
    confidence: float
    candidates: tuple[str, ...]  # when unsure: the likeliest intents, best first
    slots: Slots
    exact: bool = False  # the text is exactly one of the intent's phrases
    # Out of scope: the matter it is about, when an out-of-scope cue names one (its answer
    # says where to turn instead of only "not understood").
    topic: str | None = None


@dataclass(frozen=True)
class Cue:
    intent: str
    weight: float
    all: frozenset[str] = frozenset()
    any: frozenset[str] = frozenset()
    also: frozenset[str] = frozenset()
    not_: frozenset[str] = frozenset()
    slots: frozenset[str] = frozenset()
    no_slots: frozenset[str] = frozenset()
    question: bool = False
    topic: str | None = None

    def fires(self, analysis: Analysis, lemmas: set[str], present: set[str]) -> bool:
        return (
            self.all <= lemmas
            and (not self.any or bool(self.any & lemmas))
            and (not self.also or bool(self.also & lemmas))
            and not self.not_ & lemmas
            and self.slots <= present
            and not self.no_slots & present
            and (not self.question or analysis.is_question)
        )


@cache
def _data() -> dict[str, Any]:
    text = resources.files("dialogs.understand").joinpath("intents.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def cues() -> tuple[Cue, ...]:
    def words(raw: dict[str, Any], key: str) -> frozenset[str]:
        return frozenset(form for w in raw.get(key, ()) for form in lemma_forms(w))

    return tuple(
        Cue(
            intent=raw["intent"],
            weight=float(raw["weight"]),
            all=words(raw, "all"),
            any=words(raw, "any"),
            also=words(raw, "also"),
            not_=words(raw, "not"),
            slots=words(raw, "slots"),
            no_slots=words(raw, "no_slots"),
            question=bool(raw.get("question", False)),
            topic=raw.get("topic"),
        )
        for raw in _data().get("cue", ())
    )


@cache
def _phrases() -> tuple[tuple[str, str], ...]:
    """(folded spelling, word) for the cues' words the dictionary splits into several."""
    words = {
        word
        for raw in _data().get("cue", ())
        for key in ("all", "any", "also", "not")
        for word in raw.get(key, ())
    }
    return tuple(sorted((key, w.casefold()) for w in words if (key := phrase_key(w))))


def warm_up() -> None:
    """Load the dictionary and the model (at start, not in someone's first turn)."""
    _warm_analyser()
    shipped()
    cues()
    _phrases()


def interrupting_intents() -> frozenset[str]:
    """Intents that, recognised with confidence, interrupt a free-text answer."""
    return frozenset(k for k, v in _data()["intent"].items() if v.get("interrupts"))


@lru_cache(maxsize=512)
def _model_scores(analysis: Analysis) -> tuple[tuple[str, float], ...]:
    """The model's log-probabilities for one analysis. Kept, like the analysis itself, for
    the last few hundred texts (in memory only): staff type the same phrases again and again."""
    return tuple((i, math.log(max(p, 1e-12))) for i, p in shipped().probabilities(analysis).items())


def probabilities(text: str, systems: Sequence[Any] = ()) -> tuple[dict[str, float], Slots]:
    ranked, slots, _ = _scored(text, systems)
    return ranked, slots


def _scored(text: str, systems: Sequence[Any]) -> tuple[dict[str, float], Slots, str | None]:
    """The intents' probabilities, the slots, and the out-of-scope topic a cue named."""
    analysis = analyse(text)
    slots = slots_of(text, systems)
    scores = dict(_model_scores(analysis))
    lemmas = set(analysis.words) | {w for key, w in _phrases() if key in analysis.folded}
    present = slots.present()
    topic: tuple[float, str] | None = None
    for cue in cues():
        if cue.intent in scores and cue.fires(analysis, lemmas, present):
            scores[cue.intent] += cue.weight
            if cue.topic and (topic is None or cue.weight > topic[0]):
                topic = (cue.weight, cue.topic)
    top = max(scores.values())
    exp = {i: math.exp(s - top) for i, s in scores.items()}
    total = sum(exp.values())
    ranked = sorted(exp.items(), key=lambda item: (-item[1], item[0]))
    return {i: v / total for i, v in ranked}, slots, topic[1] if topic else None


def understand(
    text: str,
    systems: Sequence[Any] = (),
    allowed: Collection[str] | None = None,
    phrases: Mapping[str, str] | None = None,
    named: Collection[str] | None = None,
) -> Understanding:
    """What the message means.

    `allowed`: the intents that may be guessed (others are never chosen); `named`: those
    that may be meant by their exact phrase (default: `allowed`), so 「確認状況」 typed by
    someone who may not see it is still that request, and refused in words; `phrases`: more
    exact phrases (e.g. the menu's labels) by normalised text.
    """
    key = exact_intent(text)
    if key is None and phrases:
        key = phrases.get(normalize(text))
    named = allowed if named is None else named
    if key is not None and (named is None or key in named):
        return Understanding(key, 1.0, (), slots_of(text, systems), exact=True)
    ranked, slots, topic = _scored(text, systems)
    if allowed is not None:
        kept = {i: p for i, p in ranked.items() if i in allowed or i == NONE}
        total = sum(kept.values()) or 1.0
        ranked = {i: p / total for i, p in kept.items()}
    order = list(ranked)
    best = order[0]
    second = ranked[order[1]] if len(order) > 1 else 0.0
    if ranked[best] >= SURE and ranked[best] - second >= MARGIN:
        return Understanding(best, ranked[best], (), slots, topic=_topic(best, topic))
    offered = tuple(i for i in order if i != NONE and ranked[i] >= OFFER)[:3]
    # An out-of-scope cue that named its matter is evidence enough when nothing else leads.
    if not offered or (
        best == NONE and (topic is not None or ranked[best] - ranked[offered[0]] >= MARGIN)
    ):
        # Most likely nothing the bot does, and nothing close: say so (no guessing game).
        return Understanding(NONE, ranked[best], offered, slots, topic=topic)
    return Understanding(None, ranked[best], offered, slots)


def _topic(intent: str, topic: str | None) -> str | None:
    return topic if intent == NONE else None
