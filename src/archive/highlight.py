"""Which words of a text a query matched, as character spans to mark."""

from __future__ import annotations

import re

from . import analyze
from .query import PREFIX_LEADS, Known, Query, phrase_places, word_lookups

# A highlighter kept for many texts (Datasette keeps one per recent query)
# forgets its decisions past this many words, so that its memory stays
# bounded; a page of hits holds far fewer.
_DECIDED_WORDS = 10_000


class Highlighter:
    """Finds the words of texts that a query matched, deciding each distinct
    written word once for all the texts of a search.

    >>> from archive.query import parse
    >>> Highlighter(parse("قوات")).spans("وقالت القوّاتُ")
    [(6, 14)]
    """

    def __init__(self, query: Query, known: Known | None = None):
        """known (search.index_lookup): mark what the search matched,
        readings the index decides included; without it, the readings
        certain from the word alone."""
        self._stems: set[str] = set()
        self._forms: set[str] = set()
        prefixes: list[str] = []
        # A phrase's words are marked where the phrase stands, nowhere else:
        # for each phrase, the terms each of its places matches by, and the
        # written forms a term needs in the paragraph (query.phrase_places,
        # as the search's expression holds them).
        self._phrases: list[list[dict[str, tuple[str, ...]]]] = []
        self._exact = query.exact
        for atom in query.positive_atoms():
            if atom.is_phrase:
                places = phrase_places(atom, query.exact, known, query.lexicon)
                if places is not None:
                    self._phrases.append(places)
            elif atom.prefix:
                leads = PREFIX_LEADS if not query.exact else ("",)
                prefixes.extend(lead + atom.words[0] for lead in leads)
            elif query.exact:
                self._forms.update(atom.words)
            else:
                terms, written = word_lookups(atom.words[0], known, query.lexicon, atom.family, atom.ta)
                self._stems.update(terms)
                self._forms.update(written)
        self._prefixes = tuple(prefixes)
        # Written words decided so far: (marked, unmarked), replaced as one.
        self._decisions: tuple[set[str], set[str]] = (set(), set())

    def _marked(self, word: str) -> bool:
        """Whether one written word is marked: any of its analyzed words
        (analyze.analyze_word, as the index has them) matched."""
        exact, terms = analyze.analyze_word(word)
        if " " not in exact:  # one word nearly always
            return self._part_marked(exact, terms)
        return any(map(self._part_marked, exact.split(" "), terms.split(" ")))

    def _part_marked(self, exact: str, term: str) -> bool:
        return bool(
            exact
            and (
                exact in self._forms
                or (self._stems and term in self._stems)
                or (self._prefixes and exact.startswith(self._prefixes))
            )
        )

    def _forget(self) -> tuple[set[str], set[str]]:
        """Start anew: new sets, not the old ones cleared, as another
        thread (Datasette shares a highlighter) may be reading those."""
        self._decisions = (set(), set())
        return self._decisions

    def _decide(self, words: set[str], marked: set[str], unmarked: set[str]) -> None:
        # _marked(), its analyses looked up at once and its one-word case
        # inline: a page of hits holds hundreds of words to decide.
        words = list(words)
        stems, forms, prefixes = self._stems, self._forms, self._prefixes
        for word, (exact, terms) in zip(words, analyze.analyze_words(words)):
            if " " in exact:
                found = any(map(self._part_marked, exact.split(" "), terms.split(" ")))
            else:
                found = bool(exact) and (exact in forms or terms in stems or bool(prefixes) and exact.startswith(prefixes))
            (marked if found else unmarked).add(word)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's marked words (analyze.written_words):
        the words matched on their own, and the phrases' words where the
        phrases stand."""
        spans = self._word_spans(text) if self._stems or self._forms or self._prefixes else []
        if self._phrases:
            spans = sorted(set(spans).union(self._phrase_spans(text)))
        return spans

    def _phrase_spans(self, text: str) -> set[tuple[int, int]]:
        """The spans of the words of each place where a phrase stands: its
        words' terms one after the other, as the index holds the text."""
        tokens: list[tuple[str, int, int]] = []  # an index term, and its written word's span
        written: set[str] = set()
        for word, start in analyze.written_words(text):
            exact, terms = analyze.analyze_word(word)
            if exact:
                written.update(exact.split(" "))
                for term in (exact if self._exact else terms).split(" "):
                    tokens.append((term, start, start + len(word)))
        found: set[tuple[int, int]] = set()
        for places in self._phrases:
            first, length = places[0], len(places)
            for at in range(len(tokens) - length + 1):
                if tokens[at][0] in first and all(tokens[at + n][0] in places[n] for n in range(1, length)) and all(
                    written.intersection(forms) for n in range(length) if (forms := places[n][tokens[at + n][0]])
                ):
                    found.update((start, end) for _, start, end in tokens[at:at + length])
        return found

    def _word_spans(self, text: str) -> list[tuple[int, int]]:
        """The spans of the words matched on their own.

        Its distinct words are found in one pass made in C, those not yet
        decided are decided, and only the marked ones are looked for again
        (str.find, a whole word when no letter or mark of a word is at
        either side), which costs less than walking every word in Python."""
        words = set(analyze.raw_words(text))
        # This text's decisions are read from the sets they went into, even
        # if another thread forgets meanwhile.
        marked_words, unmarked_words = self._decisions
        undecided = words.difference(marked_words, unmarked_words)
        if undecided:
            if len(marked_words) + len(unmarked_words) + len(undecided) > _DECIDED_WORDS:
                marked_words, unmarked_words = self._forget()
                undecided = words
            self._decide(undecided, marked_words, unmarked_words)
        marked = words.intersection(marked_words)
        if len(marked) > _WORDS_FOUND_AGAIN:
            # Each str.find reads the text again: past a few words (a prefix
            # such as ال* marks most of them), one walk costs less.
            return [(start, start + len(word)) for word, start in analyze.written_words(text) if word in marked]
        spans = []
        size = len(text)
        inside_word = _INSIDE_WORD.match
        for word in marked:
            length = len(word)
            start = text.find(word)
            while start >= 0:
                end = start + length
                if (start == 0 or not inside_word(text, start - 1)) and (end == size or not inside_word(text, end)):
                    spans.append((start, end))
                # A whole word cannot begin inside this one: go on after it.
                start = text.find(word, end)
        spans.sort()
        return spans


# Most distinct marked words of a text that spans() looks for one by one.
_WORDS_FOUND_AGAIN = 8
# A character that continues a word of written_words.
_INSIDE_WORD = re.compile(analyze.WORD_CHARACTER)
