"""A one-word query finds its word, not a look-alike that its expansion
used to reach (issue 15, point 4): a two-letter word or a particle takes a
pronoun but no noun ending (في: not ألفيت, وفيان; لدى: not البلدية), and a
country's name takes no feminine or plural ending (مصر: not مصراتة, مصرة;
قطر: not قطرات).  The forms the word does take are still found.

The archive is one document of made-up sentences, one a paragraph, searched
through the CLI."""

from __future__ import annotations

import pytest

from test_word_forms import archive_of, found_hits

# (query, sentences it must find, sentences it must not)
CASES = [
    (
        "في",
        ["جلس الطلاب في الفصل", "الخير فيه وفيها"],
        ["ألفيت الباب مفتوحا صباحا", "الرجال الوفيان بالعهد قليلون"],
    ),
    (
        "مصر",
        ["سافر الوزير إلى مصر أمس", "عاد الوفد من القاهرة بمصر", "نحب مصرنا كثيرا", "زار الوفد المصري الميناء"],
        ["وصل الوفد إلى مصراتة الليبية", "كانت مصرة على رأيها"],
    ),
    (
        "قطر",
        ["فاز منتخب قطر بالمباراة", "السعودية وقطر جارتان", "صدرت الصحف القطرية صباحا"],
        ["سقطت قطرات المطر على النافذة", "وضعت قطرة في العين"],
    ),
    (
        "لدى",
        ["لدى الشركة خطة جديدة", "لديهم خبرة طويلة"],
        ["أعلنت البلدية عن مشروع جديد"],
    ),
    (
        "إلى",
        ["ذهب الفريق إلى الملعب", "أرسل الخطاب إليهم"],
        ["ناقش المجلس آليات التنفيذ"],
    ),
    ("أب", ["رحل أبوه قبل عام"], ["سيطرت القوات على محافظة أبين"]),
    ("أخ", ["سافرت أخته إلى المدينة", "زار أخاه في المستشفى"], []),
    ("يد", ["رفع يديه إلى السماء", "صافحه باليدين"], []),
]

SENTENCES = sorted({s for _, wanted, apart in CASES for s in wanted + apart})


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return archive_of(tmp_path_factory.mktemp("leaders") / "docs", SENTENCES)


@pytest.mark.parametrize("query, wanted, apart", CASES)
def test_a_word_finds_its_forms_and_not_its_lookalikes(db, query, wanted, apart):
    texts = [hit["text"] for hit in found_hits(db, query)]
    assert set(wanted) <= set(texts), f"{query} misses {set(wanted) - set(texts)}"
    assert not set(apart) & set(texts), f"{query} finds look-alikes {set(apart) & set(texts)}"


def test_without_the_lexicon_a_name_still_takes_no_feminine_ending(db):
    texts = {hit["text"] for hit in found_hits(db, "--no-lexicon", "قطر")}
    assert "فاز منتخب قطر بالمباراة" in texts
    assert "سقطت قطرات المطر على النافذة" not in texts
