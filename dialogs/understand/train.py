"""Build model.json from the build part of the labelled corpus.

    python -m dialogs.understand.train [CORPUS] [OUT]

The measuring part (tests/data/intent_corpus_measure.tsv) is never read here.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dialogs.understand.analyser import analyse
from dialogs.understand.model import Model

ROOT = Path(__file__).resolve().parents[2]
BUILD_CORPUS = ROOT / "tests" / "data" / "intent_corpus_build.tsv"
MODEL_FILE = Path(__file__).with_name("model.json")


def read_corpus(path: Path) -> list[tuple[str, str]]:
    """(intent, utterance) rows; lines starting with # are comments."""
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        intent, _, text = line.partition("\t")
        rows.append((intent.strip(), text.strip()))
    return rows


def build(corpus: Path = BUILD_CORPUS) -> Model:
    return Model.train((intent, analyse(text)) for intent, text in read_corpus(corpus))


def main(argv: list[str]) -> int:
    corpus = Path(argv[0]) if argv else BUILD_CORPUS
    out = Path(argv[1]) if len(argv) > 1 else MODEL_FILE
    model = build(corpus)
    out.write_text(model.to_json() + "\n", "utf-8")
    print(f"{sum(model.examples.values())} utterances, {model.vocabulary} features -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
