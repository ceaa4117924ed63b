"""What understanding one message costs, and how the two Japanese analysers compare.

    python bench/understand.py [--rounds 20]

1. Per-turn cost: `dialogs.understand.understand` on every utterance of the measuring corpus
   (with the sample 別表, as the router calls it, with the analysis cache cleared so each
   call tokenises afresh), against two peers timed on the same texts in the same run: an
   NFKC pass (`unicodedata.normalize`) and the old keyword path (`dialogs.keywords.
   intent_word`, a dict lookup and substring scan). Median and 95th percentile per message.
2. The analysers: SudachiPy (core dictionary, split mode C, normalized forms — the one the
   bot uses) and, when installed, fugashi with unidic-lite (lemmas). For each: tokenising
   cost per message, and the accuracy of the same naive Bayes model built on the build part
   with that analyser's lemmas and measured on the measuring part (top-1, no cues: the cues
   are written in Sudachi's normalized forms, so they would favour it).
Prints figures only; it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dialogs.keywords import intent_word  # noqa: E402
from dialogs.text import katakana_to_hiragana, normalize  # noqa: E402
from dialogs.understand import _model_scores, understand, warm_up  # noqa: E402
from dialogs.understand.analyser import Analysis, Token, analyse  # noqa: E402
from dialogs.understand.model import Model  # noqa: E402
from dialogs.understand.train import BUILD_CORPUS, read_corpus  # noqa: E402

MEASURE_CORPUS = REPO / "tests" / "data" / "intent_corpus_measure.tsv"


def per_message(work: Callable[[str], object], texts: list[str], rounds: int) -> list[float]:
    """Microseconds per message, one figure per message per round."""
    for text in texts:  # warm up
        work(text)
    figures = []
    for _ in range(rounds):
        for text in texts:
            began = time.perf_counter()
            work(text)
            figures.append((time.perf_counter() - began) * 1e6)
    return figures


def line(name: str, figures: list[float]) -> str:
    ordered = sorted(figures)
    p95 = ordered[int(len(ordered) * 0.95)]
    return f"  {name:<44} median {statistics.median(figures):8.1f} µs   p95 {p95:8.1f} µs"


def sudachi_analysis(text: str) -> Analysis:
    analyse.cache_clear()
    return analyse(text)


def fugashi_analyser() -> Callable[[str], Analysis] | None:
    try:
        import fugashi  # type: ignore[import-not-found]
    except ImportError:
        return None
    tagger = fugashi.Tagger()

    def analysis(text: str) -> Analysis:
        nfkc = unicodedata.normalize("NFKC", text).casefold()
        tokens = tuple(
            Token(w.surface, (w.feature.lemma or w.surface).casefold(), w.feature.pos1 or "")
            for w in tagger(nfkc)
        )
        folded = katakana_to_hiragana(nfkc).replace(" ", "")
        return Analysis(folded=folded, tokens=tokens)

    return analysis


def accuracy(analysis: Callable[[str], Analysis]) -> float:
    model = Model.train((intent, analysis(text)) for intent, text in read_corpus(BUILD_CORPUS))
    rows = read_corpus(MEASURE_CORPUS)
    right = sum(next(iter(model.probabilities(analysis(t)))) == i for i, t in rows)
    return right / len(rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    from tests.dialogs.test_understand_corpus import sample_systems

    began = time.perf_counter()
    warm_up()
    print(f"start-up (dictionary + model): {(time.perf_counter() - began) * 1e3:.1f} ms")
    systems = sample_systems()
    texts = [text for _, text in read_corpus(MEASURE_CORPUS)]
    print(f"{len(texts)} messages x {args.rounds} rounds, per message:")

    def fresh_understanding(text: str) -> object:
        # Nothing remembered from an earlier text: the analysis, the model's scores, the
        # normal forms.
        analyse.cache_clear()
        _model_scores.cache_clear()
        normalize.cache_clear()
        return understand(text, systems)

    print(
        line(
            "understand() (analysis not cached)",
            per_message(fresh_understanding, texts, args.rounds),
        )
    )
    print(
        line(
            "peer: NFKC pass",
            per_message(lambda t: unicodedata.normalize("NFKC", t), texts, args.rounds),
        )
    )
    print(line("peer: keyword lookup (intent_word)", per_message(intent_word, texts, args.rounds)))

    print("analysers (tokenising cost; NB top-1 accuracy on the measuring part, no cues):")
    candidates: list[tuple[str, Callable[[str], Analysis] | None]] = [
        ("SudachiPy + sudachidict-core (mode C)", sudachi_analysis),
        ("fugashi + unidic-lite", fugashi_analyser()),
    ]
    for name, analysis in candidates:
        if analysis is None:
            print(f"  {name:<44} not installed (pip install fugashi unidic-lite)")
            continue
        cost = per_message(analysis, texts, args.rounds)
        print(f"{line(name, cost)}   accuracy {accuracy(analysis):.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
