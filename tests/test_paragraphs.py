"""Paragraphs as a reader sees them (archive.paragraphs.split_paragraphs): each
block of lines between blank lines is split on its own shape."""

from __future__ import annotations

import tarfile
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.paragraphs import MAX_PARAGRAPH_CHARS, cut_long_paragraph, split_paragraphs
from conftest import SEEDS, SHARED_CORPUS, SHARED_SEEDS

# News paragraphs as the corpus has them: one long line each, ending a sentence.
NEWS = [
    "أعلنت البلدية اليوم خطة لصيانة الطرق في الأحياء القديمة تبدأ مطلع الشهر المقبل وتستمر عاما كاملا "
    "بتكلفة تتجاوز مئتي مليون ريال.",
    "وقال المتحدث باسم البلدية إن السكان سيبلغون بمواعيد إغلاق الشوارع قبل أسبوع من كل إغلاق، وإن "
    "الطرق البديلة ستعلن في المواقع الرسمية.",
    "وأوضح أن الخطة تشمل إنارة الشوارع وزراعة الأشجار وتوسعة الأرصفة في أربعة أحياء!",
    "هل تكفي الميزانية المعلنة لكل هذه الأعمال؟",
]
TITLE = "البلدية تعلن خطة لصيانة الطرق"

ENGLISH = [
    "The archive keeps every document it is given and finds the paragraphs in them by the "
    "words they contain, in Arabic as in English, with or without the marks on the letters.",
    "It reads plain text in the encodings people still use, and it cuts each file into the "
    "paragraphs a reader of that file would see, so a hit shows the whole thought around it.",
]
ARABIC = [
    "بدأت وزارة الصحة حملة تطعيم في المدارس الحكومية والخاصة، تستهدف طلاب المرحلة الابتدائية "
    "في جميع المناطق، وتستمر ثلاثة أسابيع يزور فيها فريق صحي كل مدرسة وفق جدول معلن مسبقا.",
    "وأكد مدير الحملة أن اللقاحات آمنة ومعتمدة، وأن أولياء الأمور يستطيعون متابعة المواعيد "
    "عبر المنصة الإلكترونية أو بالاتصال بالمركز الصحي القريب من المدرسة في أي وقت من أيام الأسبوع "
    "ما عدا يوم الجمعة، وأن الفرق الصحية ستعود إلى المدارس التي يغيب فيها طلاب كثيرون يوم الزيارة "
    "حتى يتم تطعيم الجميع",
]


def test_title_blank_line_then_one_paragraph_per_line():
    text = TITLE + "\n\n" + "\n".join(NEWS) + "\n"
    assert split_paragraphs(text) == [TITLE, *NEWS]


def test_one_paragraph_per_line_with_an_extra_empty_line_at_the_end():
    text = TITLE + "\n" + "\n".join(NEWS) + "\n\n"
    assert split_paragraphs(text) == [TITLE, *NEWS]


def test_hard_wrapped_english_prose_joins_its_lines():
    text = """Searching a collection

The archive keeps every document it is given and finds the paragraphs in
them by the words they contain, in Arabic as in English. A paragraph ends
where a reader sees it end.

Nothing leaves the machine.
"""
    assert split_paragraphs(text) == [
        "Searching a collection",
        "The archive keeps every document it is given and finds the paragraphs in\n"
        "them by the words they contain, in Arabic as in English. A paragraph ends\n"
        "where a reader sees it end.",
        "Nothing leaves the machine.",
    ]
    paragraph = text.split("\n\n")[1]
    assert split_paragraphs(paragraph) == [paragraph.strip()]


@pytest.mark.parametrize("width", [60, 72, 80, 100])
@pytest.mark.parametrize("paragraphs", [ENGLISH, ARABIC], ids=["english", "arabic"])
def test_hard_wrapped_prose_at_any_editor_width(paragraphs, width):
    # The Arabic paragraphs: commas inside, the second one ending without a stop.
    wrapped = [textwrap.fill(p, width) for p in paragraphs]
    assert all(len(w.splitlines()) >= 2 for w in wrapped)
    assert split_paragraphs("\n\n".join(wrapped) + "\n") == wrapped
    assert [split_paragraphs(w) for w in wrapped] == [[w] for w in wrapped]  # a file of one paragraph


def test_a_title_right_over_hard_wrapped_prose_stays_apart():
    body = textwrap.fill(ARABIC[0], 70)
    assert split_paragraphs("حملة تطعيم في المدارس\n" + body) == ["حملة تطعيم في المدارس", body]


def test_hard_wrapped_paragraphs_with_no_blank_line_between():
    # A short line that ends its sentence ends its paragraph.
    first, second = textwrap.fill(ENGLISH[0], 72), textwrap.fill(ENGLISH[1], 72)
    assert split_paragraphs(first + "\n" + second) == [first, second]


def test_crlf_and_cr_line_ends_split_as_lf():
    lf = TITLE + "\n\n" + "\n".join(NEWS) + "\n\n" + textwrap.fill(ENGLISH[0], 72) + "\n"
    expected = [TITLE, *NEWS, textwrap.fill(ENGLISH[0], 72)]
    assert split_paragraphs(lf.replace("\n", "\r\n")) == expected
    assert split_paragraphs(lf.replace("\n", "\r")) == expected


def test_markdown_headings_and_lists():
    text = """# Archive
A searchable archive of text documents.

## Install
- make a virtual environment
- install the package with its test
  dependencies, then run the tests
1. first step
2) second step
   and its second line

* a last item
"""
    assert split_paragraphs(text) == [
        "# Archive",
        "A searchable archive of text documents.",
        "## Install",
        "- make a virtual environment",
        "- install the package with its test\ndependencies, then run the tests",
        "1. first step",
        "2) second step\nand its second line",
        "* a last item",
    ]


def test_whitespace_only_lines_separate_like_empty_ones():
    # Spaces, tabs, no-break and em spaces, and a right-to-left mark alone.
    text = TITLE + "\n \t\n" + NEWS[0] + "\n\u00a0\u2003\n" + NEWS[1] + "\n\u200f\n" + NEWS[2] + "\n"
    assert split_paragraphs(text) == [TITLE, NEWS[0], NEWS[1], NEWS[2]]
    # Every invisible mark the analyzer drops: the Arabic letter mark,
    # embeddings and isolates, a soft hyphen.
    for marks in ("\u061c", "\u202b\u202c", "\u2067\u2069", "\u00ad"):
        text = TITLE + "\n" + marks + "\n" + NEWS[0] + "\n" + marks + "\n" + NEWS[1] + "\n"
        assert split_paragraphs(text) == [TITLE, NEWS[0], NEWS[1]], repr(marks)


def test_page_breaks_and_paragraph_separators_part_paragraphs():
    for parting in ("\f", "\u2029", "\n\f\n", "\x1e"):
        assert split_paragraphs(TITLE + parting + NEWS[0]) == [TITLE, NEWS[0]], repr(parting)


def test_one_very_long_line_is_cut_and_the_lines_around_it_kept():
    long_line = " ".join(NEWS) * (2 * MAX_PARAGRAPH_CHARS // len(" ".join(NEWS)))
    cut: list[int] = []
    paragraphs = split_paragraphs(TITLE + "\n\n" + long_line + "\n" + NEWS[0] + "\n", cut)
    assert paragraphs == [TITLE, *cut_long_paragraph(long_line), NEWS[0]]
    assert len(paragraphs) >= 4 and cut == [len(long_line)]
    assert all(len(p) <= MAX_PARAGRAPH_CHARS for p in paragraphs)


@pytest.mark.parametrize(
    "lines",
    [
        ["milk", "bread", "eggs", "olive oil"],
        # Headlines of similar length with no punctuation: a list, not prose.
        [
            "Municipal budget for the new year approved by the council",
            "Health ministry starts a vaccination campaign in schools",
            "New desalination plant on the east coast begins operation",
            "Port trade figures rise for the third quarter in a row now",
        ],
    ],
    ids=["short", "headlines"],
)
def test_a_file_of_list_lines_stays_apart(lines):
    assert split_paragraphs("Shopping\n\n" + "\n".join(lines) + "\n") == ["Shopping", *lines]


def test_a_line_broken_after_a_comma_goes_on_where_blank_lines_part_paragraphs():
    # The repository's seeds/05 shape: paragraphs between blank lines, each
    # broken once after a clause.
    text = f"{TITLE}\n\n{NEWS[0][:-1]}،\n{NEWS[1]}\n\n{NEWS[2]}\n"
    assert split_paragraphs(text) == [TITLE, f"{NEWS[0][:-1]}،\n{NEWS[1]}", NEWS[2]]
    # Without blank lines it is one paragraph per line, as in the news corpus.
    text = f"{TITLE}\n{NEWS[0][:-1]}،\n{NEWS[1]}\n"
    assert split_paragraphs(text) == [TITLE, f"{NEWS[0][:-1]}،", NEWS[1]]


WORDS = st.text(alphabet="abcdefghij" + "ابتثجحخدرزسشصضطظعغفقكلمنهوي", min_size=1, max_size=10)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="ab ي.،,-#1\n\r\t\u00a0", max_size=400))
def test_no_text_is_lost(text):
    assert " ".join(split_paragraphs(text)).split() == text.split()


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.lists(WORDS, min_size=12, max_size=60), min_size=1, max_size=4),
    st.integers(62, 100),
    st.sampled_from([",", "،"]),
)
def test_prose_wrapped_at_any_width_comes_back_whole(paragraphs, width, comma):
    # Each paragraph: a comma every fifth word, a stop at its end.  Words of
    # at most 11 characters leave lines of WRAP_MIN_COLUMNS or more.
    texts = [" ".join(w + comma * (i % 5 == 4) for i, w in enumerate(words)) + "." for words in paragraphs]
    wrapped = [textwrap.fill(t, width) for t in texts]
    assert split_paragraphs("\n\n".join(wrapped)) == wrapped


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(WORDS, min_size=1, max_size=40), st.sampled_from(["\n", "\n\n", "\n \n"]))))
def test_lines_that_end_their_sentence_stay_one_paragraph_each(lines):
    sentences = [" ".join(words) + "." for words, _ in lines]
    text = "".join(s + end for s, (_, end) in zip(sentences, lines))
    assert split_paragraphs(text) == sentences


def _non_blank_lines(text: str) -> int:
    """Lines with something to see: not only spaces and direction marks."""
    return sum(1 for line in text.splitlines() if line.strip().strip("\u200e\u200f\ufeff"))


def test_corpus_articles_keep_one_paragraph_per_line():
    """The first 3,000 articles of the news corpus (title line, then one
    paragraph per line): as many paragraphs as lines."""
    if not SHARED_CORPUS.is_file():
        pytest.skip("../shared/corpus is not here")
    checked = 0
    with tarfile.open(SHARED_CORPUS, "r:xz") as archive:
        for member in archive:
            if not (member.isfile() and member.name.endswith(".txt")) or member.name.endswith("README.txt"):
                continue
            text = archive.extractfile(member).read().decode("utf-8")
            if max(map(len, text.splitlines()), default=0) > MAX_PARAGRAPH_CHARS:
                continue  # cut in pieces: more paragraphs than lines, rightly
            assert len(split_paragraphs(text)) == _non_blank_lines(text), member.name
            checked += 1
            if checked == 3000:
                break
    assert checked == 3000


def test_seed_articles_keep_one_paragraph_per_line():
    shared = sorted(SHARED_SEEDS.glob("*.txt"))
    if not shared:
        pytest.skip("../shared/seeds is not here")
    for path in shared:
        text = path.read_text(encoding="utf-8")
        assert len(split_paragraphs(text)) == _non_blank_lines(text), path.name


def test_repository_seeds_split_as_their_writers_meant():
    # One paragraph per line, but 05, whose paragraphs are broken after a comma.
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        expected = 4 if path.name.startswith("05-") else _non_blank_lines(text)
        assert len(split_paragraphs(text)) == expected, path.name
