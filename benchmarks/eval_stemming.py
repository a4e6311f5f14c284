"""How well does a search for a common noun find the documents that contain it?

For a dozen common nouns of Saudi news, compares the documents `archive search`
returns with the documents in which the noun occurs in any ordinary written
form: with attached و/ف, ب/ك/ل, ال or لل in front and a plural, dual, feminine
or pronoun suffix behind (a regular expression written here, independently of
the analyzer).  The same is measured, in the same run, for two baselines:
Lucene's light Arabic stemmer (its published normalization and stemming
rules) and Snowball's Arabic stemmer (PyStemmer).

    python benchmarks/eval_stemming.py                # unpacks ../shared/corpus
    python benchmarks/eval_stemming.py --corpus DIR   # a folder of .txt files
    python benchmarks/eval_stemming.py --db eval.db   # reuse an imported archive

After these document-level tables come the judged ones of eval_judged.py
(paragraph recall and precision on hand-judged concept groups, precision at
10 on hand-judged queries); --no-judged leaves them out.

The nouns are also typed inflected, as read in text (المسؤولين, شركتها):
they stand for the same documents.  Every table is measured twice: the light
matching (`archive search --no-lexicon`) against the regular forms, and
archive as typed (its lexicon on) against the regular forms and the noun's
broken plurals (BROKEN, written here by hand).

Figures are document-level: recall = relevant documents found / relevant
documents; precision = relevant documents found / documents returned; "all"
pools every noun's documents (micro-average).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS_ARCHIVE = REPO.parent / "shared" / "corpus" / "saudinewsnet.tar.xz"

# --- ground truth: the ordinary forms of each noun --------------------------

# Normalization for the ground truth only: the spellings a reader takes for the
# same word (marks, tatweel, alef/hamza forms, ى/ي, ة/ه, ؤ/ئ).
_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_FOLD = str.maketrans("أإآٱىةؤئ", "ااااي" + "ه" + "ءء")
_ARABIC_WORD = re.compile("[\u0621-\u064a]+")

_PREFIX = "(?:[وف]?[بكل]?ال|[وف]?لل|[وف]?[بكل]?)"
_PRONOUN = "(?:ه|ها|هم|هما|هن|ك|كم|كما|كن|نا)"
# Masculine noun W: W, Wون/ين (plural), Wان (dual), Wة (feminine, written ه
# after folding), Wات, pronouns on W, on Wت (feminine) and on Wات, and the
# plural's construct form Wو (مسؤولو الوزارة), alone or before a pronoun.
_MASCULINE_TAILS = f"ون|ين|ان|ه|ات|و|{_PRONOUN}|ت{_PRONOUN}|ات{_PRONOUN}|و{_PRONOUN}"
_MASCULINE = f"(?:{_MASCULINE_TAILS})?"
# Feminine noun Bة: Bة, Bت + pronoun, Bات (+ pronoun), Bتان, Bتين (dual).
_FEMININE = f"(?:ه|ت{_PRONOUN}|ات|ات{_PRONOUN}|تان|تين)"
# Masculine noun with a sound plural (kind "p"): also its oblique construct
# Bي (مسؤولي الوزارة, لاعبي الفريق), alone or before a pronoun (not ه,
# which would be the ية noun: مسؤولية).  Judged noun by noun.
_PLURAL_NOUN = f"(?:{_MASCULINE_TAILS}|ي|ي(?:ها|هم|هما|هن|ك|كم|كما|كن|نا))?"

# The nouns: (query as a user types it, base, kind).
NOUNS = [
    ("مواطن", "مواطن", "p"),
    ("حكومة", "حكوم", "f"),
    ("مدينة", "مدين", "f"),
    ("دولة", "دول", "f"),
    ("وزير", "وزير", "m"),
    ("شركة", "شرك", "f"),
    ("مشروع", "مشروع", "m"),
    ("طالب", "طالب", "m"),
    ("منطقة", "منطق", "f"),
    ("جامعة", "جامع", "f"),
    ("شخص", "شخص", "m"),
    ("لاعب", "لاعب", "p"),
    ("مسؤول", "مسءول", "p"),
    ("رئيس", "رءيس", "m"),
]
# Chosen after the analyzer's rules were settled, and never used to tune them;
# several start with ب ك ل ف, which the stemmer must not take for prefixes.
HELD_OUT = [
    ("سيارة", "سيار", "f"),
    ("مجلس", "مجلس", "m"),
    ("قرار", "قرار", "m"),
    ("مشكلة", "مشكل", "f"),
    ("مسجد", "مسجد", "m"),
    ("منتخب", "منتخب", "m"),
    ("فريق", "فريق", "m"),
    ("بلدية", "بلدي", "f"),
    ("كلية", "كلي", "f"),
    ("لجنة", "لجن", "f"),
    ("فرصة", "فرص", "f"),
    ("سوق", "سوق", "m"),
    ("طفل", "طفل", "m"),
]


# Each noun's broken plurals, written here from knowledge of Arabic (not
# from archive's table): the truth of the tables with the lexicon on, where
# the plural is the same word.  Left out: فرق for فريق (also "difference"),
# طلبة for طالب (written طلبه, also "his request").
BROKEN = {
    "مدين": ["مدن"], "دول": ["دول"], "وزير": ["وزراء"], "مشروع": ["مشاريع"], "طالب": ["طلاب"],
    "منطق": ["مناطق"], "شخص": ["اشخاص"], "رءيس": ["رءساء"], "مجلس": ["مجالس"], "مشكل": ["مشاكل"],
    "مسجد": ["مساجد"], "لجن": ["لجان"], "فرص": ["فرص"], "سوق": ["اسواق"], "طفل": ["اطفال"],
}


def truth_normalize(text: str) -> str:
    return _MARKS.sub("", text).translate(_FOLD)


def noun_pattern(base: str, kind: str, broken: bool = False) -> re.Pattern:
    """The noun's ordinary forms: prefixes, suffixes and, for a masculine
    noun, its indefinite accusative in ا (شخصا, ومواطنا); with broken, its
    broken plurals with their prefixes and pronouns too."""
    tail = {"m": _MASCULINE, "f": _FEMININE, "p": _PLURAL_NOUN}[kind]
    forms = [f"{_PREFIX}{base}{tail}"] + ([f"[وف]?{base}ا"] if kind != "f" else [])
    forms += [f"{_PREFIX}{plural}{_PRONOUN}?" for plural in BROKEN.get(base, []) if broken]
    return re.compile(f"^(?:{'|'.join(forms)})$")


# --- Lucene's light stemmer, from its published rules -----------------------

_LUCENE_MARKS = re.compile("[\u064b-\u0652\u0640]")
_LUCENE_FOLD = str.maketrans("آأإىة", "اااي" + "ه")
_LUCENE_PREFIXES = ("ال", "وال", "بال", "كال", "فال", "لل", "و")
_LUCENE_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")


def lucene_stem(word: str) -> str:
    word = _LUCENE_MARKS.sub("", word).translate(_LUCENE_FOLD)
    for prefix in _LUCENE_PREFIXES:
        least = 4 if prefix == "و" else len(prefix) + 2
        if word.startswith(prefix) and len(word) >= least:
            word = word[len(prefix):]
            break
    for suffix in _LUCENE_SUFFIXES:
        if word.endswith(suffix) and len(word) >= len(suffix) + 2:
            word = word[: -len(suffix)]
    return word


# --- the corpus -------------------------------------------------------------


def corpus_dir(args, workdir: Path) -> Path | None:
    """The corpus folder: --corpus, or the shared tarball unpacked into
    workdir; None (said on stderr) when there is neither."""
    if args.corpus:
        return Path(args.corpus)
    if not CORPUS_ARCHIVE.exists():
        print(f"skipped: no corpus ({CORPUS_ARCHIVE} is absent; give --corpus DIR)", file=sys.stderr)
        return None
    print(f"unpacking {CORPUS_ARCHIVE.name} ...", file=sys.stderr)
    with tarfile.open(CORPUS_ARCHIVE) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "corpus"


@contextlib.contextmanager
def corpus_and_archive(args, need_folder: bool = True):
    """(corpus folder, archive path), importing the folder into a temp
    archive unless --db names one that exists; (None, None) without a
    corpus.  The folder is None when not needed and --db is given."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        db_path = Path(args.db) if args.db else workdir / "eval.db"
        folder = None
        if need_folder or not db_path.exists():
            folder = corpus_dir(args, workdir)
            if folder is None:
                yield None, None
                return
        if not db_path.exists():
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "archive", "import", str(folder), "--db", str(db_path)],
                check=True,
            )
            print(f"imported in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        yield folder, db_path


def read_corpus(folder: Path) -> dict[str, set[str]]:
    """Resolved path → the raw Arabic words of that document."""
    documents = {}
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        documents[str(path.resolve())] = set(re.findall("[\u0621-\u065f\u0670\u0640]+", text))
    return documents


# --- evaluation -------------------------------------------------------------


def archive_documents(db_path: Path, query: str, lexicon: bool = True) -> set[str]:
    """The documents `archive search` finds (with --no-lexicon unless
    lexicon), the index deciding what it decides there (the readings of
    bases.py)."""
    import sqlite_utils

    from archive.query import parse
    from archive.document_hits import matching_documents

    db = sqlite_utils.Database(db_path)
    return {hit.path for hit in matching_documents(db, parse(query, lexicon=lexicon), limit=1_000_000)}


def scores(found: set[str], relevant: set[str]) -> tuple[float, float]:
    hits = len(found & relevant)
    recall = hits / len(relevant) if relevant else 1.0
    precision = hits / len(found) if found else 1.0
    return recall, precision


SYSTEMS = ("archive", "Lucene", "Snowball")
HEADER = f"{'noun':<8} {'docs':>6} | {'archive R':>9} {'P':>6} | {'Lucene R':>9} {'P':>6} | {'Snowball R':>10} {'P':>6}"


@dataclass
class Corpus:
    documents: dict[str, set[str]]  # path → raw words
    words: collections.Counter  # raw word → documents
    lucene: dict[str, str]  # raw word → Lucene stem
    snowball: dict[str, str]  # raw word → Snowball stem
    ours: dict[str, list[str]]  # raw word → our stems


def documents_with(corpus: Corpus, chosen_words: set[str]) -> set[str]:
    return {p for p, ws in corpus.documents.items() if ws & chosen_words}


def inflected(nouns):
    """The nouns typed as a reader reads them in text, for the same
    documents: a masculine noun's plural or dual with the article
    (المسؤولين, الوزيرين), a feminine noun with a pronoun (مدينتها; its
    plural is often broken: مدن)."""
    return [
        (query[:-1] + "تها" if kind == "f" else "ال" + query + "ين", base, kind) for query, base, kind in nouns
    ]


def evaluate(nouns, corpus: Corpus, db_path: Path, snowball, misses: int, lexicon: bool) -> None:
    """Print a row per noun and the pooled figures: archive with its lexicon
    against the truth with broken plurals, without it against the truth
    without them."""
    from archive import analyze, expand

    totals = {system: [0, 0, 0] for system in SYSTEMS}  # hits, found, relevant
    print(HEADER)
    print("-" * len(HEADER))
    for query, base, kind in nouns:
        pattern = noun_pattern(base, kind, broken=lexicon)
        relevant_words = {w for w in corpus.words if pattern.match(truth_normalize(w))}
        relevant = documents_with(corpus, relevant_words)
        query_stem, query_snow = lucene_stem(query), snowball.stemWord(truth_normalize(query))
        found = {
            "archive": archive_documents(db_path, query, lexicon) & corpus.documents.keys(),
            "Lucene": documents_with(corpus, {w for w, s in corpus.lucene.items() if s == query_stem}),
            "Snowball": documents_with(corpus, {w for w, s in corpus.snowball.items() if s == query_snow}),
        }
        row = f"{query:<8} {len(relevant):>6}"
        for system in SYSTEMS:
            r, p = scores(found[system], relevant)
            totals[system][0] += len(found[system] & relevant)
            totals[system][1] += len(found[system])
            totals[system][2] += len(relevant)
            row += f" | {r:>{10 if system == 'Snowball' else 9}.1%} {p:>6.1%}"
        print(row)
        if misses:
            terms, forms = expand.expansion(analyze.words(query)[0], lexicon)
            matched_words = {
                w for w in corpus.words if set(corpus.ours[w]) & terms or set(analyze.words(w)) & forms
            }
            wrong, missed = collections.Counter(), collections.Counter()
            for p in found["archive"] - relevant:
                wrong.update(corpus.documents[p] & matched_words)
            for p in relevant - found["archive"]:
                missed.update(corpus.documents[p] & relevant_words)
            print("   false hits via:", [w for w, _ in wrong.most_common(misses)])
            print("   missed forms:  ", [w for w, _ in missed.most_common(misses)])
    print("-" * len(HEADER))
    row = f"{'all':<8} {totals['archive'][2]:>6}"
    for system in SYSTEMS:
        hits, found_count, relevant_count = totals[system]
        r, p = hits / relevant_count, hits / found_count
        row += f" | {r:>{10 if system == 'Snowball' else 9}.1%} {p:>6.1%}"
    print(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="folder of documents (default: unpack ../shared/corpus)")
    parser.add_argument("--db", help="an archive of that folder (default: import into a temp db)")
    parser.add_argument("--misses", type=int, default=0, help="show N wrong words per noun")
    parser.add_argument("--no-judged", action="store_true", help="leave out the judged tables (eval_judged.py)")
    args = parser.parse_args()

    import Stemmer

    from archive import analyze

    snowball = Stemmer.Stemmer("arabic")
    with corpus_and_archive(args) as (folder, db_path):
        if folder is None:
            return
        documents = read_corpus(folder)
        words = collections.Counter(w for ws in documents.values() for w in ws)
        print(f"{len(documents)} documents, {len(words)} distinct words\n")

        lucene = {w: lucene_stem(w) for w in words}
        snow = {w: snowball.stemWord(truth_normalize(w)) for w in words}
        ours = {w: [analyze.stem(t) for t in analyze.words(w)] for w in words}

        corpus = Corpus(documents, words, lucene, snow, ours)
        for lexicon, truth in ((False, "archive --no-lexicon, regular forms"),
                               (True, "archive with its lexicon, regular forms and broken plurals")):
            for title, nouns in (
                ("nouns the analyzer was tuned on", NOUNS),
                ("held-out nouns", HELD_OUT),
                ("the same nouns typed inflected", inflected(NOUNS + HELD_OUT)),
            ):
                print(f"{title} ({truth}):")
                evaluate(nouns, corpus, db_path, snowball, args.misses, lexicon)
                print()
        print("target for archive: recall >= 97%, precision >= 95% (all)\n")
        if not args.no_judged:
            import eval_judged

            print("judged (benchmarks/eval_judged.py, paragraph level):\n")
            eval_judged.report(db_path)


if __name__ == "__main__":
    main()
