"""The shipped corpus through the real ingest pipeline (spaCy sentences)."""

import pytest

import ingest
from ingest import manifest
from ingest.readers import ReaderError

from conftest import CORPUS

ROWS = manifest.load(CORPUS)
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in ingest.SUPPORTED_SUFFIXES)


def test_the_corpus_ships_its_documents_and_manifest():
    assert len(FILES) >= 6
    assert {p.name for p in FILES} <= set(ROWS)
    for row in ROWS.values():
        assert {"title", "language"} <= set(row)


@pytest.fixture(scope="module")
def records():
    return {p.name: ingest.process(p, ROWS.get(p.name)) for p in FILES}


def test_every_sentence_and_paragraph_offset_is_exact(records):
    for name, rec in records.items():
        raw = (CORPUS / name).read_text(encoding="utf-8")
        assert rec.text == raw, "a plain-text file's extracted text is its content as read"
        assert rec.sentences, name
        for span in rec.paragraphs + rec.sentences:
            quote = rec.text[span.start : span.end]
            assert quote and quote == quote.strip(), (name, span)
        for s in rec.sentences:
            p = rec.paragraphs[s.paragraph]
            assert p.start <= s.start < s.end <= p.end, (name, s)
        starts = [s.start for s in rec.sentences]
        assert starts == sorted(starts)


def test_language_and_metadata_come_from_the_manifest(records):
    zh = records["2026-chongqing-government-work-report.txt"]
    assert zh.language == "zh" and zh.title == "2026年重庆市政府工作报告" and zh.issued == "2026-01-28"
    en = records["001_44a9fe72a70c896d.txt"]
    assert en.language == "en" and en.publisher == "China News Service"


def test_page_furniture_never_becomes_a_sentence(records):
    zh = records["2026-chongqing-government-work-report.txt"]
    quotes = [zh.quote(s) for s in zh.sentences]
    for furniture in ("下载", "打印", "全屏", "收藏", "加大", "还原", "减小", "】"):
        assert furniture not in quotes
    assert quotes[0] == "2026年重庆市政府工作报告"
    haiyan = records["003_ab19494113870874.txt"]
    assert not any(haiyan.quote(s).startswith("browsing") for s in haiyan.sentences)


def test_chinese_sentences_end_at_chinese_punctuation(records):
    zh = records["2026-chongqing-government-work-report.txt"]
    long = [zh.quote(s) for s in zh.sentences if len(zh.quote(s)) > 60]
    assert long and sum(q.endswith(("。", "！", "？", "；", "”")) for q in long) / len(long) > 0.9


def test_english_sentences_are_split_inside_paragraphs(records):
    rec = records["001_44a9fe72a70c896d.txt"]
    quotes = [rec.quote(s) for s in rec.sentences]
    assert "China News Service, April 21." in quotes
    assert any(q.startswith("The number of beds in medical and health institutions per 1,000 people") for q in quotes)


def test_a_document_without_a_manifest_row_takes_its_first_line_as_title(tmp_path):
    f = tmp_path / "note.txt"
    f.write_text("Quarterly Note on Clinics\n\nThere are 12 clinics. All of them opened in 2020.\n")
    rec = ingest.process(f)
    assert rec.title == "Quarterly Note on Clinics" and rec.issued is None and rec.language == "en"
    assert [rec.quote(s) for s in rec.sentences] == ["Quarterly Note on Clinics", "There are 12 clinics.", "All of them opened in 2020."]


def test_a_file_with_only_furniture_is_reported(tmp_path):
    f = tmp_path / "buttons.txt"
    f.write_text("【打印】 【关闭】\n下载\n")
    with pytest.raises(ReaderError, match="no text"):
        ingest.process(f)
