"""The personal-information scanner (§3(1)2, §3(2)1): examples per kind and a labelled corpus.

The corpus (tests/data/pii_corpus.jsonl) holds fictitious municipal sentences: 相談記録, 窓口メモ,
通知文, 議事録 and requests to a generative-AI system. Each line lists the spans a careful reader
would flag. Labelling conventions:
- person_name: the name without its honorific (山田太郎 in 山田太郎様), also names a reader sees
  without one (太田係長), which the scanner does not claim to find;
- postal_code: the digits, without 〒; address: from the prefecture or municipality to the block
  number; a municipality alone (さくら市の施策) is not an address;
- phone: every telephone-shaped number, office numbers included; 内線 extensions are not
  labelled (they are staff extensions inside the office, not residents' information);
- sensitive: each occurrence of a word of a 要配慮個人情報 category (病歴, 生活保護, DV …) in that
  sense, also in a general question (生活保護制度の概要); the same word as a system fault
  (システム障害) or inside the name of an office or a statute (障害福祉課, 障害者差別解消法) is
  not labelled.
The last 96 lines were written after the scanner, as a held-out check, and kept afterwards.

Run `python -m tests.dialogs.test_pii` to print the precision/recall table
(`--diff` also lists each line where findings and labels differ).
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import pytest

from dialogs.pii import KINDS, Finding, ScanResult, mask, my_number_check_digit, scan
from dialogs.pii import suggested_class as suggest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "pii_corpus.jsonl"

FIVE = ["3A", "3B", "3C", "2", "1"]
THREE = ["3", "2", "1"]


def with_check_digit(first11: str) -> str:
    return first11 + str(my_number_check_digit(first11))


VALID = with_check_digit("12345678901")  # 123456789018
WRONG = VALID[:11] + str((int(VALID[11]) + 1) % 10)
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def found(text: str, kind: str) -> list[str]:
    """The original text of every finding of `kind`."""
    return [text[f.start : f.end] for f in scan(text).findings if f.kind == kind]


# ---------------------------------------------------------------------------------------------
# Per kind


@pytest.mark.parametrize(
    ("first11", "check"),
    [
        # Worked by hand. 12345678901 read from the right is 1,0,9,8,7,6 | 5,4,3,2,1 with weights
        # 2..7 | 2..6: 2+0+36+40+42+42 + 10+12+12+10+6 = 212, 212 mod 11 = 3, 11 − 3 = 8
        # (123456789018 is the sample number often used in documentation).
        ("12345678901", 8),
        # 10987654321: 2+6+12+20+30+42 + 14+24+36+0+6 = 192, 192 mod 11 = 5, 11 − 5 = 6.
        ("10987654321", 6),
        ("00000000006", 0),  # 6·2 = 12, remainder 1: check digit 0
        ("00000000000", 0),  # remainder 0: check digit 0
    ],
)
def test_check_digit_worked_by_hand(first11: str, check: int) -> None:
    assert my_number_check_digit(first11) == check


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (f"個人番号は{VALID}です。", VALID),
        (
            f"マイナンバー：{VALID[:4]}-{VALID[4:8]}-{VALID[8:]}",
            f"{VALID[:4]}-{VALID[4:8]}-{VALID[8:]}",
        ),
        (
            f"番号 {VALID[:4]} {VALID[4:8]} {VALID[8:]} を記録",
            f"{VALID[:4]} {VALID[4:8]} {VALID[8:]}",
        ),
        (f"個人番号（{VALID.translate(FULL_WIDTH)}）", VALID.translate(FULL_WIDTH)),
    ],
)
def test_my_number(text: str, value: str) -> None:
    assert found(text, "my_number") == [value]


@pytest.mark.parametrize(
    "text",
    [
        f"個人番号は{WRONG}です。",  # wrong check digit
        "法人番号 1234567890123 の事業者",  # 13 digits
        f"法人番号 {VALID}1",
        f"注文番号 {VALID} の納品予定",  # passes the check digit but is labelled an order number
        f"請求額は{VALID}円です。",
        f"{VALID[:4]}-{VALID[4:8]}-{VALID[8:]}-1234",  # four groups: a card-like number
    ],
)
def test_not_my_number(text: str) -> None:
    assert found(text, "my_number") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("住民票コード：12345678901", "12345678901"),
        ("住民票コード（11桁）98765432109を照会", "98765432109"),
        ("住民票ｺｰﾄﾞ １２３４５６７８９０１", "１２３４５６７８９０１"),
    ],
)
def test_resident_code(text: str, value: str) -> None:
    assert found(text, "resident_code") == [value]


def test_eleven_digits_without_the_keyword_are_not_a_resident_code() -> None:
    assert found("整理番号 12345678901", "resident_code") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("携帯は090-1234-5678です", "090-1234-5678"),
        ("電話 03-1234-5678", "03-1234-5678"),
        ("0422-12-3456", "0422-12-3456"),
        ("電話番号 045(123)4567", "045(123)4567"),
        ("連絡先 (06)6123-4567", "(06)6123-4567"),
        ("夜間は07012345678へ", "07012345678"),
        ("ＴＥＬ：０９０－３３４４－５５６６", "０９０－３３４４－５５６６"),
        ("受付で聞いた番号は080ー5566ー7788", "080ー5566ー7788"),
        ("長女（+81-90-2233-4455）", "+81-90-2233-4455"),
        ("電話 +81 3 5555 0123", "+81 3 5555 0123"),
        ("0120-123-456 に問い合わせ", "0120-123-456"),
        ("TEL.03-1234-5678（代表）", "03-1234-5678"),
        ("電話03.5555.1234まで", "03.5555.1234"),
    ],
)
def test_phone(text: str, value: str) -> None:
    assert found(text, "phone") == [value]


@pytest.mark.parametrize(
    "text",
    [
        "問い合わせ先：情報政策課（内線2101）",  # an extension is not a resident's number
        "受付番号 2026-0001",
        "注文番号：090-1234-5678 の配送状況",
        "補助金 1,234,567円",
        "資産管理番号 03-1234-5678-01",
        "型番 KX-0312345678",
        "第0312345678号",
        "統計表 0001234567",
        "会議室予約番号 0312-3456",
        "v1.03-1234-5678 のリリースノート",
        "座標 035-1234-5678",  # 11 digits that are not a mobile number
    ],
)
def test_not_phone(text: str) -> None:
    assert found(text, "phone") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("返信先：sato-hanako@example.ne.jp まで", "sato-hanako@example.ne.jp"),
        (
            "メール：ｋ．ｔａｎａｋａ＠ｅｘａｍｐｌｅ．ｊｐ",
            "ｋ．ｔａｎａｋａ＠ｅｘａｍｐｌｅ．ｊｐ",
        ),
        ("CCに kodomo@city.sakura.example.lg.jp を", "kodomo@city.sakura.example.lg.jp"),
    ],
)
def test_email(text: str, value: str) -> None:
    assert found(text, "email") == [value]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("〒100-0013 東京都千代田区", "100-0013"),
        ("〒５３０－０００１", "５３０－０００１"),
        ("郵便番号 7308511 の住所", "7308511"),
        ("329-1336 栃木県さくら市", "329-1336"),
    ],
)
def test_postal_code(text: str, value: str) -> None:
    assert found(text, "postal_code") == [value]


@pytest.mark.parametrize(
    "text", ["部品 123-4567 を交換", "整理番号 12-3456", "3000000円", "普通郵便で 1234567件"]
)
def test_not_postal_code(text: str) -> None:
    assert found(text, "postal_code") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("東京都千代田区霞が関1-2-3", "東京都千代田区霞が関1-2-3"),
        ("住所はさくら市中央町2丁目3番4号です", "さくら市中央町2丁目3番4号"),
        ("大阪市北区梅田1丁目", "大阪市北区梅田1丁目"),
        ("現住所 さくら市喜連川4321番地", "さくら市喜連川4321番地"),
        ("札幌市中央区北5条西11丁目", "札幌市中央区北5条西11丁目"),
    ],
)
def test_address(text: str, value: str) -> None:
    assert found(text, "address") == [value]


@pytest.mark.parametrize(
    "text",
    [
        "さくら市の施策について",
        "東京都千代田区霞が関の官庁街",
        "第2地区1-3班",
        "事業区分1-2の予算",
        "さくら市道1-23号線の補修",
        "市役所1-2会議室",
    ],
)
def test_not_address(text: str) -> None:
    assert found(text, "address") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("生年月日：昭和50年4月1日", "昭和50年4月1日"),
        ("生年月日 1985/04/01", "1985/04/01"),
        ("伊藤様（平成3年11月23日生）", "平成3年11月23日"),
        ("S52.7.15生まれの男性", "S52.7.15"),
        ("山本さん 1962年3月3日（満63歳）", "1962年3月3日"),
        ("DOB: 1978-12-24", "1978-12-24"),
        ("申請者は昭和45年生まれ", "昭和45年"),
    ],
)
def test_birth_date(text: str, value: str) -> None:
    assert found(text, "birth_date") == [value]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("会議日：令和6年4月1日（月）", []),
        ("提出期限は2026年3月31日です。", []),
        ("締切：2026-01-15", []),
        ("生年月日：昭和50年4月1日、申請日：令和6年4月1日", ["昭和50年4月1日"]),
        ("令和6年4月1日生活保護法の改正", []),
        ("3歳児健診は2026年5月1日に実施", []),  # 歳 nearby, but not a birth date
        ("2026年4月1日生徒数", []),
    ],
)
def test_not_birth_date(text: str, dates: list[str]) -> None:
    assert found(text, "birth_date") == dates


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("振込先：さくら銀行 中央支店 普通 1234567", "1234567"),
        ("口座番号：7654321（普通預金）", "7654321"),
        ("ゆうちょ銀行 記号12345 番号12345678", "12345 番号12345678"),
    ],
)
def test_bank_account(text: str, value: str) -> None:
    assert found(text, "bank_account") == [value]


@pytest.mark.parametrize(
    "text", ["口座振替の件数 1234567件", "普通交付税 1234567千円", "口座数 1234567"]
)
def test_not_bank_account(text: str) -> None:
    assert found(text, "bank_account") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("山田太郎様から相談", "山田太郎"),
        ("佐藤さんに連絡", "佐藤"),
        ("鈴木 一郎 氏", "鈴木 一郎"),
        ("長谷川 修 殿", "長谷川 修"),
        ("マイケル・スミスさん", "マイケル・スミス"),
        ("本日、木村様が来庁", "木村"),
        ("市民課の岡本さん", "岡本"),
        ("田中課長様", "田中"),
        ("氏名：上田 真一 生年月日", "上田 真一"),
        ("西川 千尋（ニシカワ チヒロ）様", "西川 千尋"),
        ("ヤマダ タロウ様", "ヤマダ タロウ"),
        ("土屋様から電話", "土屋"),
        ("中村 花子ちゃん", "中村 花子"),
    ],
)
def test_person_name(text: str, value: str) -> None:
    assert found(text, "person_name") == [value]


@pytest.mark.parametrize(
    "text",
    [
        "皆様",
        "お客様各位",
        "皆さん、おはようございます",
        "ご担当者様",
        "市民の皆さま",
        "さくら市長様",
        "様式第3号",
        "同様の事例",
        "貴殿の申請",
        "Aさん、Bさん（匿名）",
        "市民課さんに確認",
        "さまざまな意見",
        "千葉県君津市の事例",
        "運転手さんに伝える",
        "八百屋さんの店頭",
        "画面仕様の確認",
    ],
)
def test_not_person_name(text: str) -> None:
    assert found(text, "person_name") == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("病歴と生活保護の受給歴", ["病歴", "生活保護"]),
        ("夫からのDVについて", ["DV"]),
        ("障害者手帳を所持", ["障害者手帳"]),
        ("うつ病で通院中", ["うつ病", "通院"]),
    ],
)
def test_sensitive(text: str, words: list[str]) -> None:
    assert found(text, "sensitive") == words
    assert scan(text).sensitive


@pytest.mark.parametrize(
    "text",
    [
        "システム障害が発生",
        "耐震診断の結果",
        "チャレンジ精神",
        "障害福祉課へ回付",
        "DVDを貸し出す",
        "障害者差別解消法の概要",  # the name of a statute, like an office's name
        "職員の前歴換算表",
    ],
)
def test_not_sensitive(text: str) -> None:
    assert found(text, "sensitive") == []


# ---------------------------------------------------------------------------------------------
# Offsets, excerpts, overlaps


MIXED = (
    "相談記録：森田 由美様、さくら市中央町3-4-5、０９０－３２１０－９８７６、"
    f"個人番号{VALID.translate(FULL_WIDTH)}、ｍｏｒｉｔａ＠ｅｘａｍｐｌｅ．ｊｐ、ﾏｲﾅﾝﾊﾞｰ確認済み、"
    "DV被害のため住所秘匿を希望。"
)


def test_offsets_point_into_the_original_text() -> None:
    result = scan(MIXED)
    values = {f.kind: MIXED[f.start : f.end] for f in result.findings}
    assert values == {
        "person_name": "森田 由美",
        "address": "さくら市中央町3-4-5",
        "phone": "０９０－３２１０－９８７６",
        "my_number": VALID.translate(FULL_WIDTH),
        "email": "ｍｏｒｉｔａ＠ｅｘａｍｐｌｅ．ｊｐ",
        "sensitive": "DV",
    }


def test_offsets_survive_characters_that_change_length() -> None:
    # ㈱ becomes three characters and ｶﾞ two become one: the view and the text differ in length.
    text = "㈱ｻｸﾗｶﾞｲﾄﾞ ㈱ 山田様 ０９０－１２３４－５６７８ ﾏｲﾅﾝﾊﾞｰ 病歴"
    values = [(f.kind, text[f.start : f.end]) for f in scan(text).findings]
    assert values == [
        ("person_name", "山田"),
        ("phone", "０９０－１２３４－５６７８"),
        ("sensitive", "病歴"),
    ]


def test_excerpts_never_show_the_whole_value() -> None:
    for finding in scan(MIXED).findings:
        value = MIXED[finding.start : finding.end]
        assert value not in finding.excerpt
        assert "●" in finding.excerpt


def test_excerpt_shapes() -> None:
    [phone] = scan("電話 090-1234-5678").findings
    assert phone.excerpt == "090-●●●●-●●●●"
    [name] = scan("山田太郎様").findings
    assert name.excerpt == "山●●●様"
    [email] = scan("sato@example.jp").findings
    assert email.excerpt == "s●●●@●●●●●●●.●●"
    [one] = scan("林さん").findings
    assert one.excerpt == "●さん"  # a one-character name shows nothing of itself
    [read] = scan("西川 千尋（ニシカワ チヒロ）様").findings
    assert read.excerpt == "西● ●●様"  # the reading in brackets is not shown


def test_findings_are_sorted_and_do_not_overlap() -> None:
    text = f"住民票コード 09012345678、個人番号 {VALID}、〒100-0013 東京都千代田区霞が関1-2-3"
    findings = scan(text).findings
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    for left, right in itertools.pairwise(findings):
        assert left.end <= right.start
    # 11 digits after 住民票コード are the code, not a mobile number
    assert [f.kind for f in findings] == ["resident_code", "my_number", "postal_code", "address"]


def test_result_properties() -> None:
    result = scan("佐藤さん（090-1234-5678）の病歴、佐藤さんの通院")
    assert result.personal and result.sensitive
    assert result.kinds() == ("person_name", "phone", "sensitive")
    assert not scan("さくら市の施策を要約して").personal


# ---------------------------------------------------------------------------------------------
# mask and suggested_class


def label(kind: str) -> str:
    return {"phone": "電話番号", "person_name": "氏名"}.get(kind, kind)


def test_mask_replaces_every_finding_and_keeps_the_rest() -> None:
    text = "山田太郎様（090-1234-5678）から、会議の日程について問い合わせ。"
    masked = mask(text, scan(text).findings, label)
    assert masked == "［氏名］様（［電話番号］）から、会議の日程について問い合わせ。"


def test_mask_of_nothing_is_the_text() -> None:
    assert mask("要約して", (), label) == "要約して"


def test_mask_uses_original_offsets_with_full_width_text() -> None:
    masked = mask(MIXED, scan(MIXED).findings, label)
    assert "０９０" not in masked and "ｍｏｒｉｔａ" not in masked
    assert masked.startswith(
        "相談記録：［氏名］様、［address］、［電話番号］、個人番号［my_number］、"
    )


@pytest.mark.parametrize(
    ("text", "scale", "expected"),
    [
        ("さくら市の施策を要約して", FIVE, "1"),
        ("佐藤さんに電話する", FIVE, "2"),
        ("佐藤さんの病歴", FIVE, "3C"),
        ("さくら市の施策を要約して", THREE, "1"),
        ("佐藤さんに電話する", THREE, "2"),
        ("佐藤さんの病歴", THREE, "3"),
    ],
)
def test_suggested_class(text: str, scale: list[str], expected: str) -> None:
    assert suggest(scan(text), scale, "2") == expected


def test_suggested_class_when_nothing_is_above_the_threshold() -> None:
    result = ScanResult((Finding("sensitive", 0, 2, "病●"),))
    assert suggest(result, ["2", "1"], "2") == "2"


def test_suggested_class_rejects_an_unknown_threshold() -> None:
    with pytest.raises(ValueError):
        suggest(ScanResult(()), FIVE, "4")


# ---------------------------------------------------------------------------------------------
# The corpus


def _spans(record: dict) -> list[tuple[str, int, int]]:
    text: str = record["text"]
    spans = []
    for span in record["spans"]:
        value, nth = span["text"], span.get("occurrence", 1)
        starts = [i for i in range(len(text)) if text.startswith(value, i)]
        assert len(starts) >= nth, f"{value!r} not in {text!r}"
        start = starts[nth - 1]
        spans.append((span["kind"], start, start + len(value)))
    return spans


def evaluate(corpus_path: Path = CORPUS) -> dict[str, tuple[float, float, int]]:
    """Per kind (precision, recall, support) of `scan` against the labelled corpus.

    A finding is a true positive when a labelled span of the same kind overlaps it; each labelled
    span is matched at most once. A kind with no findings has precision 1.0.
    """
    predicted = dict.fromkeys(KINDS, 0)
    correct = dict.fromkeys(KINDS, 0)
    support = dict.fromkeys(KINDS, 0)
    recalled = dict.fromkeys(KINDS, 0)
    with corpus_path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            labels = _spans(record)
            used = [False] * len(labels)
            for kind, _, _ in labels:
                support[kind] += 1
            for finding in scan(record["text"]).findings:
                predicted[finding.kind] += 1
                for i, (kind, start, end) in enumerate(labels):
                    overlaps = start < finding.end and finding.start < end
                    if not used[i] and kind == finding.kind and overlaps:
                        used[i] = True
                        correct[kind] += 1
                        break
            for i, (kind, _, _) in enumerate(labels):
                recalled[kind] += used[i]
    return {
        kind: (
            correct[kind] / predicted[kind] if predicted[kind] else 1.0,
            recalled[kind] / support[kind] if support[kind] else 1.0,
            support[kind],
        )
        for kind in KINDS
    }


def table(scores: dict[str, tuple[float, float, int]]) -> str:
    rows = ["| kind | precision | recall | support |", "|---|---:|---:|---:|"]
    for kind, (precision, recall, n) in scores.items():
        rows.append(f"| {kind} | {precision:.3f} | {recall:.3f} | {n} |")
    return "\n".join(rows)


# The goals of the brief: numbers with a fixed shape (and a check digit or keyword) are found
# nearly always; for every kind at least four findings in five are right and at least four
# labelled spans in five are found.
HIGH_RECALL = ("my_number", "phone", "email", "postal_code")


@pytest.fixture(scope="module")
def scores() -> dict[str, tuple[float, float, int]]:
    result = evaluate(CORPUS)
    print("\n" + table(result))
    return result


def test_corpus_is_well_formed() -> None:
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 300
    positives = sum(1 for r in records if r["spans"])
    assert 0.45 <= positives / len(records) <= 0.65
    counts = dict.fromkeys(KINDS, 0)
    for record in records:
        _spans(record)  # every span occurs in its text
        for span in record["spans"]:
            counts[span["kind"]] += 1
    for kind, n in counts.items():
        assert n >= (30 if kind in HIGH_RECALL else 15), kind


@pytest.mark.parametrize("kind", KINDS)
def test_corpus_precision(scores: dict[str, tuple[float, float, int]], kind: str) -> None:
    precision, _, _ = scores[kind]
    assert precision >= 0.80


@pytest.mark.parametrize("kind", KINDS)
def test_corpus_recall(scores: dict[str, tuple[float, float, int]], kind: str) -> None:
    _, recall, _ = scores[kind]
    assert recall >= (0.95 if kind in HIGH_RECALL else 0.80)


def print_differences(corpus_path: Path = CORPUS) -> None:
    """Each corpus line where findings and labels differ (for work on the scanner)."""
    for line in corpus_path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text = record["text"]
        labels = {(kind, text[start:end]) for kind, start, end in _spans(record)}
        got = {(f.kind, text[f.start : f.end]) for f in scan(text).findings}
        if labels != got:
            print(text, "\n   missed:", labels - got, "\n   extra: ", got - labels)


if __name__ == "__main__":
    # python -m tests.dialogs.test_pii [--diff] [corpus.jsonl]
    paths = [Path(arg) for arg in sys.argv[1:] if not arg.startswith("--")]
    corpus = paths[0] if paths else CORPUS
    if "--diff" in sys.argv:
        print_differences(corpus)
    print(table(evaluate(corpus)))
