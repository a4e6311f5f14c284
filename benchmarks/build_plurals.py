"""Mine the candidates for src/archive/plurals_data.py: a singular and its
broken plural (مدرسة/مدارس, قاعدة/قواعد, شخص/أشخاص, مشروع/مشاريع).

The rule that mines candidates from the corpus: a normalized word, behind
the article, that fits a plural template (أفعال, فعول, مفاعل, مفاعيل, فعائل,
فواعل, فعلاء, أفعلاء, فعال, أفعلة, فعالي, فعالى, فعلى, فعلان, أفعل, فعل) gives
its root letters; the singular templates that go with it (فعل, فعلة, فاعل,
فعيل, مفعل, مفعلة, مفعول ...) are filled with them, and every filled form
the corpus writes is a candidate singular.  A word is counted in all the
forms a reader meets: behind the article, a conjunction or preposition
(وأيام, لمدارس), with a pronoun after it (مدارسهم).  A pair is kept as a
candidate when the plural is counted at least LEAST times, the singular at
least LEAST_SINGULAR times, both are written on their own somewhere, and
both are in at least TOGETHER of the same articles.  Candidates are ranked
by the plural's count.  The templates throw up many
pairs of other words of one root (مدرس/مدارس, مقتل/مقاتل): every candidate
is reviewed by hand.  The data files are the review's record:
src/archive/plurals_data.py's PAIRS are the kept ones (its HAND the
plurals the miner does not give: suppletive ones, نساء, and ones checked
against the corpus by hand, برامج/برنامج), plurals_rejected.py's
REJECTED the rejected ones with the reason.  Each candidate is printed with
the review's verdict (kept, rejected, or -).

    python benchmarks/build_plurals.py                 # unpacks ../shared/corpus
    python benchmarks/build_plurals.py --corpus DIR    # an unpacked corpus
    python benchmarks/build_plurals.py --check         # the table, found both ways?
    python benchmarks/build_plurals.py --added         # what the table adds to each word

--check measures the table at corpus scale: for each kept pair, the share
of the corpus's written forms of one word (by count) that the query
expansion of the other finds, both ways.  --added lists, for each word of
the table, the corpus words its expansion finds with the table and not
without it, most frequent first: the review reads it for look-alikes a pair
pulls in (طن would bring الوطن to أطنان).  Without the corpus the script
says so and stops.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from archive import analyze, expand  # noqa: E402
from archive.bases import readings  # noqa: E402
from archive.stemmer import CLITICS  # noqa: E402
from build_variants import bare  # noqa: E402
from collisions import CORPUS_ARCHIVE, corpus_dir  # noqa: E402

# The review's record is the data files: the pairs kept and the pairs
# rejected with their reasons; the script marks what it has not seen.
from archive.plurals_data import HAND, PAIRS  # noqa: E402
from archive.plurals_rejected import REJECTED  # noqa: E402

LEAST = 3
LEAST_SINGULAR = 3
TOGETHER = 1
# A pair is found when this share of the other word's written forms is.
FOUND = 0.9

# Plural template → the singular templates that go with it.  Digits are the
# root letters (a repeated digit is a doubled root letter), everything else
# is written as it stands, normalized (ة as ه, أ as ا, ى as ي).
TEMPLATES: dict[str, tuple[str, ...]] = {
    "ا12ا3": ("123", "1ا23", "12ي3", "123ه", "1ي23"),  # أفعال: أطفال, أصحاب, أفلام
    "ا1وا3": ("1ا3", "1و3"),  # أفعال, hollow: أبواب, أموال
    "ا1يا3": ("1ا3", "1ي3", "1و3"),  # أعياد, أيام
    # أسماء, أجزاء, أنباء, أحياء, أعضاء, أطباء, أجواء
    "ا12اء": ("ا12", "12ء", "12ا", "12ي", "12و", "12ي2", "12"),
    "ا1اء": ("1اي", "ا1"),  # آراء, آباء
    "ا1ياء": ("1ي",),  # أحياء
    "ائ1ه": ("ا1ا1",),  # أئمة
    "ا1ا2": ("1ئ2", "ا12", "1و2"),  # آبار, آفاق, أيام
    "ا12ياء": ("12ي",),  # أولياء, أنبياء
    "ا123اء": ("12ي3",),  # أصدقاء
    "12و3": ("123", "123ه", "123ي", "1ا23"),  # فعول: شروط, بحوث, جنود, شهود
    "1ئو3": ("1ا3",),  # شؤون
    "12و2": ("12",),  # حقوق, حدود
    "12ا34": ("1234", "1234ه", "123ا4", "123و4", "123ي4", "123ي4ه"),  # مفاعل, فعالل
    "1وا23": ("1ا23", "1ا23ه"),  # فواعل: شوارع, قواعد
    "12ا3ئ": ("123ا", "123ء"),  # مبادئ
    "12ائ3": ("12ا3", "12ا3ه", "12ي3", "12ي3ه", "12و3", "12و3ه"),  # فعائل: رسائل
    "1وائ3": ("1ائ3", "1ائ3ه"),  # طوائف, جوائز
    "ا1ا23": ("12ا3", "ا123ي", "ا123"),  # أفاعل: أماكن, أجانب, أقارب
    "12ا3ي4": ("123ي4", "123و4", "123ا4", "123ي4ه", "1234", "1ي3ا4"),  # مفاعيل, فعاليل
    "1وا2ي3": ("1ا2و3", "1ا2و3ه", "1ا2ي3", "1ي2ا3"),  # فواعيل: صواريخ, تواريخ, موازين
    "12ا2ي3": ("12ا3", "12ي3"),  # دكاكين, سكاكين
    "ا1ا2ي3": ("ا12و3", "ا12و3ه", "ا12ي3"),  # أساليب, أكاذيب, أباريق
    "12ا34ه": ("123ا4", "123ي4", "1234", "123و4", "1ي23و4"),  # أساتذة, تلامذة, دكاترة, فلاسفة
    "12ا3ي": ("123", "123ه", "123ي", "123يه", "12ي3", "123اء"),  # فعالي: أراضي, ليالي, صحاري
    "1وا3ي": ("1ا3يه", "1ا3ي"),  # نواحي, ضواحي
    "12ايا": ("12يه", "1ا2يه", "1ي2ه"),  # فعالى: قضايا, زوايا, مزايا
    "123اء": ("12ي3", "1ا23"),  # فعلاء: وزراء, علماء
    "12ا3": ("123", "1ا23", "12ي3", "123ه", "12ي3ه"),  # فعال, فعّال: رجال, طلاب
    "1يا3": ("1و3", "1ا3", "1و3ه"),  # ثياب, ديار, رياض
    "123": ("123ه", "12ي3", "12ي3ه", "12ا3", "12ا3ه", "12و3"),  # فعل: دول, مدن, كتب, رسل
    "122": ("12ه",),  # خطط, مدد
    "123ه": ("1ا23",),  # فعلة: طلبة
    "1ا2ه": ("1ائ2", "1ي2"),  # قادة, سادة
    "12اه": ("1ا2ي",),  # قضاة, دعاة
    "1وا2": ("1ا2ه", "1ائ2"),  # مواد, نواب
    "12ا2": ("1ا2",),  # شباب, حجاج
    "12اء": ("1ا2ئ",),  # قراء
    "12ان": ("1ا2",),  # شبان
    "123ان": ("123", "12ي3", "12ا3", "1ا23", "12و3"),  # فعلان: بلدان, فرسان, خرفان
    "ا12ان": ("ا1",),  # إخوان
    "1ي2ان": ("1ا2", "1و2"),  # جيران, نيران, حيتان
    "ا123": ("123",),  # أفعل: أشهر, أسهم
    "ا123ه": ("12ا3", "12ي3", "12و3"),  # أفعلة: أسلحة, أعمدة
    "ا12يه": ("12اء", "1ا2ي"),  # أدوية, أودية
    "ا12ه": ("12ي2", "ا1", "12ا2"),  # أدلة, إخوة, أزقة
    "ا12ا2": ("12",),  # أسرار, أطنان
    "123ي": ("12ي3",),  # فعلى: قتلى, جرحى
    # Sound plurals the suffix rules cannot undo, the ة-form having lost a
    # root letter (قناة/قنوات, فتاة/فتيات): mined here, kept apart.
    "12وات": ("12اه", "12ه"),
    "12يات": ("12اه",),
}


def _pattern(template: str) -> re.Pattern:
    """The template as a regular expression: a digit is a letter, the same
    digit again the same letter."""
    seen: list[str] = []
    parts = []
    for c in template:
        if c.isdigit() and c in seen:
            parts.append(f"(?P={'r' + c})")
        elif c.isdigit():
            seen.append(c)
            parts.append(f"(?P<r{c}>[\u0621-\u064a])")
        else:
            parts.append(re.escape(c))
    return re.compile("".join(parts))


_PATTERNS = [(_pattern(t), singulars) for t, singulars in TEMPLATES.items()]


def singulars_of(word: str) -> set[str]:
    """The singular forms the templates give for a word, as a plural.

    >>> sorted(singulars_of("مدارس"))
    ['مدراس', 'مدرس', 'مدرسه', 'مدروس', 'مدريس', 'مدريسه']
    """
    found = set()
    for pattern, singulars in _PATTERNS:
        match = pattern.fullmatch(word)
        if match:
            root = {name[1:]: letter for name, letter in match.groupdict().items()}
            for template in singulars:
                found.add("".join(root.get(c, c) for c in template))
    found.discard(word)
    return found


def counted_as(word: str) -> set[str]:
    """The words a written word is counted for: itself without its article,
    the bases the analyzer certainly reduces it to (a pronoun after it:
    مدارسهم), and the same behind a conjunction or preposition (وأيام,
    لمدارس), so that a plural is counted in every form a reader meets."""
    found = {bare(word)} | {r.base for r in readings(word) if r.certain}
    for clitic in CLITICS[1:]:
        rest = word[len(clitic):]
        if word.startswith(clitic) and len(rest) >= 3:
            found |= {bare(rest)} | {r.base for r in readings(rest) if r.certain}
    return found


def corpus_tokens(folder: Path) -> tuple[list[list[str]], collections.Counter]:
    """Each article as the words its written words are counted for, and how
    often each word is written on its own (behind an article at most)."""
    seen: dict[str, set[str]] = {}
    documents = []
    alone: collections.Counter = collections.Counter()
    for path in sorted(folder.rglob("*.txt")):
        words = []
        for word in analyze.words(path.read_text(encoding="utf-8", errors="replace")):
            if word not in seen:
                seen[word] = counted_as(word)
            words.extend(seen[word])
            alone[bare(word)] += 1
        documents.append(words)
    return documents, alone


def mine(documents: list[list[str]], alone: collections.Counter) -> list[tuple[str, str, int, int, int]]:
    """(plural, singular, plural count, singular count, articles with both),
    the plural's count first.  Both words must be written on their own
    somewhere: a piece of a longer word (حكوم in وحكومة) is no candidate."""
    counts = collections.Counter(w for words in documents for w in words)
    pairs = [
        (plural, singular)
        for plural in alone if counts[plural] >= LEAST
        for singular in singulars_of(plural) if alone[singular] and counts[singular] >= LEAST_SINGULAR
    ]
    wanted = {w for pair in pairs for w in pair}
    articles: dict[str, set[int]] = collections.defaultdict(set)
    for i, words in enumerate(documents):
        for word in wanted.intersection(words):
            articles[word].add(i)
    found = [
        (plural, singular, counts[plural], counts[singular], len(articles[plural] & articles[singular]))
        for plural, singular in pairs
    ]
    return sorted((f for f in found if f[4] >= TOGETHER), key=lambda f: (-f[2], f[0], -f[3]))


def written_forms(folder: Path) -> dict[str, collections.Counter]:
    """For each word of the table, its written forms in the corpus and their
    counts: every written word the analyzer certainly reduces to it (clitics,
    article, pronouns, suffixes; bases.readings), or that is it behind an
    article group."""
    table = {w for pair in PAIRS + HAND for w in pair}
    counts: collections.Counter = collections.Counter()
    for path in sorted(folder.rglob("*.txt")):
        counts.update(analyze.words(path.read_text(encoding="utf-8", errors="replace")))
    forms: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for word, n in counts.items():
        bases = {bare(word)} | {r.base for r in readings(word) if r.certain}
        for base in bases & table:
            forms[base][word] += n
    return forms


def share_found(query: str, forms: collections.Counter, lexicon: bool = True) -> float:
    """The share of these written forms (by count) the query word finds."""
    terms, exact = expand.expansion(query, lexicon)
    total = sum(forms.values())
    hit = sum(n for form, n in forms.items() if form in exact or analyze.stem(form) in terms)
    return hit / total if total else 0.0


def check(folder: Path) -> None:
    forms = written_forms(folder)
    pairs = PAIRS + HAND
    for lexicon in (False, True):
        both = 0
        for singular, plural in pairs:
            there = share_found(singular, forms[plural], lexicon)
            back = share_found(plural, forms[singular], lexicon)
            if there >= FOUND and back >= FOUND:
                both += 1
            elif lexicon:
                print(f"{singular}\t{plural}\t{there:.2f}\t{back:.2f}")
        print(f"{'lexicon' if lexicon else 'no lexicon'}: {both} of {len(pairs)} pairs found both ways "
              f"({both / len(pairs):.1%}), {FOUND:.0%} of the other word's corpus forms at least")


def added(folder: Path, shown: int = 6) -> None:
    """For each word of the table, the most frequent corpus words that its
    expansion finds only through the table."""
    counts = collections.Counter()
    for path in sorted(folder.rglob("*.txt")):
        counts.update(analyze.words(path.read_text(encoding="utf-8", errors="replace")))
    stems = {word: analyze.stem(word) for word, n in counts.items() if n >= LEAST}

    def found(query: str, lexicon: bool) -> set[str]:
        terms, exact = expand.expansion(query, lexicon)
        return {word for word, stem in stems.items() if word in exact or stem in terms}

    for pair in PAIRS + HAND:
        for word in pair:
            extra = sorted(found(word, True) - found(word, False), key=lambda w: -counts[w])
            print(word, " ".join(f"{w}:{counts[w]}" for w in extra[:shown]), sep="\t")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="folder of documents (default: unpack ../shared/corpus)")
    parser.add_argument("--check", action="store_true", help="measure the table instead of mining")
    parser.add_argument("--added", action="store_true", help="list what the table adds to each word")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = corpus_dir(args, Path(tmp))
        if folder is None or not folder.is_dir():
            print(f"skipped: no corpus ({CORPUS_ARCHIVE} is absent; give --corpus DIR)")
        elif args.check:
            check(folder)
        elif args.added:
            added(folder)
        else:
            kept = set(PAIRS + HAND)
            for plural, singular, np, ns, together in mine(*corpus_tokens(folder)):
                pair = (singular, plural)
                mark = "kept" if pair in kept else "rejected" if pair in REJECTED else "-"
                print(f"{plural}\t{singular}\t{np}\t{ns}\t{together}\t{mark}")


if __name__ == "__main__":
    main()
