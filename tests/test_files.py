"""Choosing, decoding and cutting files (archive.files), on files the tests write."""

from __future__ import annotations

import codecs
import os

import pytest

from archive.files import (
    NotText,
    UnreadableDocument,
    decode,
    replaced_bytes,
    find_files,
    read_document,
    title_of,
)
from archive.grammar import counted
from archive.paragraphs import MAX_PARAGRAPH_CHARS, cut_long_paragraph, split_paragraphs

# Short realistic news sentences, in the letters both legacy code pages share
# and in those only Windows-1256 has (its punctuation and marks).
NEWS = [
    "أعلنت وزارة الصحة عن حملة تطعيم جديدة في المدارس",
    "وقال المتحدث الرسمي إن القوات أحبطت محاولة تهريب عبر الحدود",
    "ارتفعت أسعار النفط في الأسواق العالمية خلال تعاملات اليوم",
    "افتتح أمير المنطقة مشروعات تنموية بتكلفة بلغت ملياري ريال",
    "الأمن",
]


@pytest.mark.parametrize("text", NEWS)
@pytest.mark.parametrize("codec", ["cp1256", "iso8859_6"])
def test_legacy_arabic_code_pages_are_told_apart(text, codec):
    assert decode(text.encode(codec)) == (text, codec)


def test_windows_1256_only_characters_fall_back_to_windows_1256():
    # U+200F (right-to-left mark) and « » exist in Windows-1256 only.
    text = "\u200fقال «المتحدث» إن الاجتماع انتهى"
    assert decode(text.encode("cp1256")) == (text, "cp1256")


@pytest.mark.parametrize(
    "data, expected_encoding",
    [
        ("نص عربي".encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + "نص عربي".encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "نص عربي".encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + "نص عربي".encode("utf-16-be"), "utf-16"),
    ],
)
def test_unicode_encodings_and_byte_order_marks(data, expected_encoding):
    assert decode(data) == ("نص عربي", expected_encoding)


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf_32_with_its_byte_order_mark(encoding):
    data = "نص عربي".encode(encoding)
    if encoding != "utf-32":
        data = (codecs.BOM_UTF32_LE if encoding.endswith("le") else codecs.BOM_UTF32_BE) + data
    assert decode(data) == ("نص عربي", "utf-32")  # not UTF-16 full of NULs


def test_utf_8_with_a_few_bytes_that_are_not_stays_utf_8():
    """One bad byte, or a file cut inside a letter, is not a legacy page's
    text: read as UTF-8, the bytes replaced (the import warns)."""
    first, second = "مذبحة حوثية في عدن\n", "والمقاومة تزحف نحو القصر\n"
    assert decode(first.encode() + b"\xff" + second.encode()) == (first + "\ufffd" + second, "utf-8")
    assert decode((first + second).encode()[:-2]) == (first + second[:-2] + "\ufffd", "utf-8")
    # A legacy page's text, short or long, fails at nearly every letter.
    for text in ("سل", first + second):
        assert decode(text.encode("cp1256")) == (text, "cp1256")
    # A short file cut inside its last letter; a file that holds U+FFFD itself.
    assert decode("سلام عليكم".encode()[:-1]) == ("سلام عليك\ufffd", "utf-8")
    held = (first + "\ufffd\ufffd").encode() + b"\xff"
    assert decode(held) == (first + "\ufffd\ufffd\ufffd", "utf-8")
    assert replaced_bytes(held, decode(held)[0], "utf-8") == 1


@pytest.mark.parametrize("text", ["الروماني بولوني مدربًا للاتحاد", "41 عامًا", "قضى عامًا كاملًا في الرياض"])
@pytest.mark.parametrize("codec", ["cp1256", "iso8859_6"])
def test_fathatan_before_alif_is_read_in_either_page(text, codec):
    assert decode(text.encode(codec)) == (text, codec)


@pytest.mark.parametrize("text", ["هطول أمطار رعدية على عسير والباحة وجازان ونجران", "إمارة جازان تعايد منسوبيها"])
def test_windows_1256_whose_iso_8859_6_reading_puts_marks_inside_words(text):
    # Read in ISO-8859-6, its ي and ى become tanween inside words, and the
    # reading of ان as ال counts no more.
    assert decode(text.encode("cp1256")) == (text, "cp1256")


# Latin-1 texts whose accented letters Windows-1256 reads as Arabic ones
# (ñ ó Ø Å ã as ٌ َ ط إ م): read as Windows-1252, as they were written.
LATIN = [
    "El niño de España comió ... Øresund Ångström.\n",
    "São Paulo é a maior cidade do Brasil, não?",
    "Smørrebrød på Østerbro, og så en øl.",
    "Ísland og Þingvellir eru fögur.",
]


@pytest.mark.parametrize("text", LATIN)
def test_latin_words_with_arabic_letters_inside_are_read_as_latin(text):
    assert decode(text.encode("latin-1")) == (text, "cp1252")


def test_arabic_glued_to_a_latin_word_stays_arabic():
    text = "اشترى والiPhone"
    assert decode(text.encode("cp1256")) == (text, "cp1256")


@pytest.mark.parametrize("text", ["Samsung Galaxy S7 وS7 Edge", "iPhone وiPad", "وiPhone", "Galaxy Note وTab ولiPad"])
def test_one_arabic_clitic_glued_to_a_latin_word_stays_arabic(text):
    """و ب ل ف ك before a Latin word are Windows-1252's æ È á Ý ß too: alone
    they are no sign of misread Latin, and short texts have nothing else."""
    assert decode(text.encode("cp1256")) == (text, "cp1256")


def misread(text: str) -> bytes:
    """Latin text with Arabic in it, as Windows-1256 bytes: ñ ó Ø are its ٌ َ ط."""
    return text.replace("ñ", "\u064c").replace("ó", "\u064e").replace("Ø", "\u0637").encode("cp1256")


@pytest.mark.parametrize("text, encoding, words, other", [
    ("El niño de España comió en Øresund. وزارة الصحة تعلن الخبر.", "cp1256", (4, 4), "cp1252"),  # a tie: Arabic
    ("El niño de España comió en Øresund. وزارة.", "cp1252", (4, 1), "cp1256"),
])
def test_a_file_half_latin_half_arabic_is_read_with_a_doubt(tmp_path, text, encoding, words, other):
    """Latin words misread as Arabic and Arabic words, in like numbers:
    either page may be right, so the document says it may be misread."""
    path = tmp_path / "mixed.txt"
    path.write_bytes(misread(text))
    doc = read_document(path)
    assert doc.encoding == encoding
    mixed, arabic = words
    assert doc.doubt == (
        f"read as {encoding}, which may be wrong: {mixed} words would mix Latin and Arabic letters, "
        f"{counted(arabic, 'word')} would be Arabic (--encoding {other} reads it otherwise)"
    )
    assert read_document(path, encoding).doubt is None  # the user said which


def test_one_odd_word_in_an_arabic_file_is_no_doubt(tmp_path):
    path = tmp_path / "arabic.txt"
    path.write_bytes(misread("ارتفع مؤشر TASIó " + "وزارة الصحة تعلن الخبر " * 3))
    assert read_document(path).doubt is None


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(256)) * 4, b"\x01\x02\x03\x04abc\x05\x06\x07\x08"],
)
def test_binary_data_is_not_text(data):
    with pytest.raises(NotText):
        decode(data)


@pytest.mark.parametrize("order", ["le", "be"])
def test_utf_16_without_its_mark_is_skipped_saying_so(order):
    with pytest.raises(NotText, match=f"UTF-16 without a byte-order mark: not read \\(--encoding utf-16-{order}"):
        decode("نص عربي and English".encode(f"utf-16-{order}"))
    assert decode("نص عربي".encode(f"utf-16-{order}"), f"utf-16-{order}") == ("نص عربي", f"utf-16-{order}")


def test_forced_utf_8_leaves_out_the_byte_order_mark():
    assert decode(codecs.BOM_UTF8 + "نص".encode(), "utf-8") == ("نص", "utf-8")


def test_forced_encoding_is_used_or_refused():
    assert decode("نص".encode("cp1256"), "cp1256") == ("نص", "cp1256")
    with pytest.raises(UnreadableDocument, match="cannot decode as utf-8"):
        decode("نص".encode("cp1256"), "utf-8")
    # A UTF-16 file forced through a single-byte page: NULs, refused.
    with pytest.raises(UnreadableDocument, match="cannot decode as cp1256: the text holds NUL"):
        decode(codecs.BOM_UTF16_LE + "نص عربي".encode("utf-16-le"), "cp1256")


def test_find_files_takes_text_files_and_skips_hidden(tmp_path):
    for name in ["a.txt", "b.md", "c.TEXT", "noext", "d.jpg", ".hidden.txt", "sub/e.txt", ".dot/f.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in find_files(tmp_path)]
    assert found == ["a.txt", "b.md", "c.TEXT", "noext", "sub/e.txt"]
    with_hidden = [p.relative_to(tmp_path).as_posix() for p in find_files(tmp_path, include_hidden=True)]
    assert with_hidden == [".hidden.txt", "a.txt", "b.md", "c.TEXT", "noext", ".dot/f.txt", "sub/e.txt"]


def test_find_files_with_patterns(tmp_path):
    for name in ["a.txt", "b.csv", "sub/c.csv", "sub/d.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    def found(*patterns):
        return [p.relative_to(tmp_path).as_posix() for p in find_files(tmp_path, patterns=patterns)]
    assert found("*.csv") == ["b.csv", "sub/c.csv"]
    assert found("sub/*") == ["sub/c.csv", "sub/d.txt"]
    assert found("*.csv", "a.*") == ["a.txt", "b.csv", "sub/c.csv"]


def test_find_files_does_not_follow_folder_links(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert [p.name for p in find_files(tmp_path)] == ["a.txt"]


def test_read_document_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(NotText, match="not a regular file"):
        read_document(fifo)


def test_read_document_refuses_a_folder_put_where_the_file_was(tmp_path):
    """Opening a folder succeeds: it must be refused as not a regular file
    (one file of the import), not stop the import with an OSError."""
    folder = tmp_path / "was-a-file.txt"
    folder.mkdir()
    with pytest.raises(NotText, match="not a regular file"):
        read_document(folder)


def test_read_document_records_encoding_and_hash(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("وزارة الصحة".encode("iso8859_6"))
    doc = read_document(path)
    assert (doc.text, doc.encoding, doc.size) == ("وزارة الصحة", "iso8859_6", path.stat().st_size)
    assert len(doc.sha256) == 64


def test_long_paragraph_is_cut_at_sentence_ends():
    sentence = "قال المتحدث إن الاجتماع انتهى. "
    text = sentence * (3 * MAX_PARAGRAPH_CHARS // len(sentence))
    pieces = split_paragraphs(text)
    assert len(pieces) >= 3
    assert all(len(p) <= MAX_PARAGRAPH_CHARS for p in pieces)
    assert all(p.endswith("انتهى.") for p in pieces)
    assert " ".join(pieces) == text.strip()


def test_endless_word_is_cut_at_the_limit():
    assert cut_long_paragraph("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]


def test_title_is_the_first_line_a_reader_sees():
    assert title_of("\u200f\n\u200b\u200b\n\u061c العنوان الحقيقي \u202c\n\nنص") == "العنوان الحقيقي"


def test_title_of_a_single_huge_line_is_short():
    title = title_of("كلمة " * 10_000)
    assert len(title) <= 201 and title.endswith("…")


def test_forced_encoding_that_yields_lone_surrogates_is_refused():
    # UTF-7 decodes "+2D0-" to U+D834 alone: not text SQLite can store.
    with pytest.raises(UnreadableDocument, match="cannot decode as utf-7"):
        decode(b"abc +2D0- def", "utf-7")
