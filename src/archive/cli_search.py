"""archive search: the command and its three printers (counts, documents,
paragraphs)."""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

import click

from .clibase import COLOR_OPTION, DB_OPTION_HELP, ArchiveCommand, Failure, open_for_reading

if TYPE_CHECKING:
    from .counts import Counts

# A --limit or --offset past this is taken as this: as good as all, and far
# from what SQLite's integers hold once the ranking asks for a few times more.
MOST = 10**12


class _SearchCommand(ArchiveCommand):
    """`-word` excludes a word: click hands unknown "options" to TERMS, but
    reads -Iran as -I -r -a -n, and -n wants a number.  An argument that is
    not the command's short options is passed on as NOT word, which the
    query grammar reads alike."""

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, _exclusions_kept_whole(self, ctx, args))


def _exclusions_kept_whole(command: click.Command, ctx: click.Context, args: list[str]) -> list[str]:
    flags, valued, takes_value = set(), set(), set()
    options = [param for param in command.get_params(ctx) if isinstance(param, click.Option)]  # --help too
    for param in options:
        for opt in param.opts + param.secondary_opts:
            if not param.is_flag:
                takes_value.add(opt)
            if len(opt) == 2 and opt[1] != "-":
                (flags if param.is_flag else valued).add(opt[1])
    kept: list[str] = []
    value_next = False
    for number, arg in enumerate(args):
        if value_next or arg in takes_value:  # an option's value is the option's
            value_next = not value_next
            kept.append(arg)
            continue
        if arg == "--":
            return kept + args[number:]
        # An unknown --option is a mistype, not an excluded word (--الأمن is).
        if _LONG_OPTION.fullmatch(arg) and arg.split("=")[0] not in takes_value | _flags_of(options):
            raise Failure(f"no such option: {arg} (see 'archive search --help')")
        if len(arg) > 2 and arg[0] == "-" and arg[1] != "-":
            read = _short_options(arg[1:], flags, valued)
            if read is None:
                kept += ["NOT", arg[1:]]
                continue
            value_next = read
        kept.append(arg)
    return kept


_LONG_OPTION = re.compile(r"--[A-Za-z][\w-]*(=.*)?", re.ASCII)


def _flags_of(options: list[click.Option]) -> set[str]:
    return {opt for param in options if param.is_flag for opt in param.opts + param.secondary_opts}


def _short_options(letters: str, flags: set[str], valued: set[str]) -> bool | None:
    """Whether `-letters` is short options, as click reads a cluster (-l0,
    -n5), and then whether the next argument is the last one's value; None
    when it is not (-Iran, -2015, -london)."""
    for number, letter in enumerate(letters):
        if letter in valued:
            value = letters[number + 1:]
            if not value:
                return True
            # -n5 is a value; so is -n=5, which click refuses as one (=5).
            return False if value.isdigit() or value.startswith("=") else None
        if letter not in flags:
            return None
    return False


@click.command(cls=_SearchCommand, context_settings={"ignore_unknown_options": True})
@click.argument("terms", nargs=-1, required=True)
@click.option("--db", "db_path", metavar="PATH", help=DB_OPTION_HELP)
@click.option("--exact", is_flag=True, help="Match words as written (normalized, not stemmed).")
@click.option("--no-lexicon", is_flag=True,
              help="Leave out the lexicon (place adjectives, spellings of loanwords and names): "
                   "forms and affixes only.")
@click.option("--context", "-C", default=0, type=click.IntRange(min=0), metavar="N",
              help="Also show N paragraphs before and after each hit.")
@click.option("--path", "paths", multiple=True, metavar="GLOB",
              help="Only documents matching GLOB (repeatable: any). Without a slash it "
                   "matches the file name, with one the path.")
@click.option("--doc", "document", metavar="PATH", help="Only this document.")
@click.option("--where", "where", multiple=True, metavar="FIELD=VALUE",
              help="Only documents whose FIELD (see 'import --fields') is VALUE "
                   "(repeatable: any value of one field, and every field).")
@click.option("--since", metavar="DATE", help="Only documents dated DATE or later (YYYY-MM-DD, YYYY-MM, YYYY).")
@click.option("--until", metavar="DATE", help="Only documents dated DATE or earlier.")
@click.option("--files", "-l", "files_only", is_flag=True,
              help="List the matching documents only, best first.")
@click.option("--null", "-0", "null", is_flag=True,
              help="With --files: end each path with a NUL, not a newline, and print "
                   "it as its bytes on disk, unescaped (for xargs -0).")
@click.option("--count", "count_only", is_flag=True,
              help="Print only how many paragraphs and documents match.")
@click.option("--show-duplicates", is_flag=True,
              help="Show every copy of a reprinted paragraph, not just the best one.")
@click.option("--sort", type=click.Choice(["rank", "path"]), default="rank", show_default=True,
              help="Best first, or by document path then paragraph number.")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(min=1),
              help="Show at most this many paragraphs (documents with --files).")
@click.option("--offset", default=0, type=click.IntRange(min=0), metavar="M",
              help="Skip the first M results (the next page: --offset 20); best first, "
                   "M is below 10,000, as deep as pages go.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@COLOR_OPTION
def search(terms, db_path, exact, no_lexicon, context, paths, document, where, since, until, files_only,
           null, count_only, show_duplicates, sort, limit, offset, as_json, color):
    """Search the archive; matching paragraphs are printed best first.

    \b
    Words are ANDed; also:
      "a phrase"     the words in that order
      a OR b         either word (a b OR c: a and either b or c)
      -word, NOT w   without that word (in the whole query)
      prefix*        words starting with prefix
      ~word          also its family: ~استهداف finds استهدف, يستهدف, مستهدف
    A word finds all its ordinary forms (القوات, للقوات, قواتها for قوات),
    written with or without diacritics, tatweel and hamza, and a country
    its adjective, a loanword or name its other spellings (إيران الإيرانية,
    أمريكا أميركا; --no-lexicon leaves these out); --exact finds the
    written form only.  A paragraph reprinted word for word in other
    documents (wire copy) is shown once, saying where else it stands.

    \b
      archive search القوات
      archive search --json "قوات الأمن"
      archive search --exact العمر
      archive search --no-lexicon أمريكا
      archive search -C 1 --path '*okaz*' --path '2015-08-1*' الحج
      archive search --files --sort path وزارة الصحة
      archive search --files -0 الحج | xargs -0 ls -l
      archive search --count --doc news/2015-07-21_aawsat_00001.txt الرياض
      archive search --where source=okaz --where source=sabq --since 2015-08 الرياض
      archive search --show-duplicates --limit 50 --offset 50 مجلس الوزراء
    """
    from . import present
    from .filters import search_filters
    from .query import parse

    if files_only and count_only:
        raise Failure("--files and --count cannot be used together")
    if null and (not files_only or as_json):
        raise Failure("--null prints paths for --files only, without --json")
    if context and (files_only or count_only):
        raise Failure("--context shows paragraphs: it cannot be used with --files or --count")
    limit = min(limit, MOST)
    db = open_for_reading(db_path, searching=True)
    query = parse(" ".join(terms), exact=exact, lexicon=not no_lexicon)
    filters = search_filters(db, paths, document, where, since, until)
    colored = not as_json and present.use_color(color, sys.stdout)
    if count_only:
        found = _print_counts(db, query, filters, as_json)
    elif files_only:
        found = _print_documents(db, query, filters, limit, offset, sort, as_json, colored, null)
    else:
        found = _print_paragraphs(db, query, filters, limit, offset, sort, not show_duplicates,
                                  context, as_json, colored)
    sys.exit(0 if found else 1)


def _print_counts(db, query, filters, as_json: bool) -> bool:
    from . import present
    from .counts import count

    counts = count(db, query, filters)
    click.echo(present.counts_json(counts) if as_json else present.format_counts(counts))
    return bool(counts.paragraphs)


def _print_documents(db, query, filters, limit, offset, sort, as_json: bool, colored: bool,
                     null: bool = False) -> bool:
    from . import present
    from .fields import fields_by_path
    from .counts import count
    from .document_hits import matching_documents
    from .search import one_snapshot

    counts = _past_the_window(db, query, filters, offset, sort, lambda counts: counts.documents, "document")
    with one_snapshot(db.conn):
        # One more than asked for: whether there are more to say so.
        # Scores show in JSON alone: by path, they are worked out for it only.
        documents = [] if counts else matching_documents(db, query, limit + 1, min(offset, MOST), filters, sort,
                                                         scored=as_json)
        further, documents = len(documents) > limit, documents[:limit]
        fields = fields_by_path(db, (found.path for found in documents))
    for found in documents:
        if null:
            click.echo(present.null_terminated(found.path), nl=False)
            continue
        values = fields.get(found.path, {})
        click.echo(present.document_json_line(found, values) if as_json
                   else present.format_document_hit(found, colored, values), color=colored)
    more = " (more with --offset)" if further else ""
    if offset and not documents:
        more = present.past_the_end(offset, counts or count(db, query, filters), "document")
    click.echo(f"{present.counted(len(documents), 'document')}{more}", err=True)
    return bool(documents)


def _print_paragraphs(db, query, filters, limit, offset, sort, fold: bool, context: int,
                      as_json: bool, colored: bool) -> bool:
    from . import present
    from .fields import fields_by_path
    from .highlight import Highlighter
    from .counts import count
    from .documents import longest_document
    from .search import context_of, fill_duplicates, index_lookup, one_snapshot, search as run_search

    # The hits, their reprints and the paragraphs around them, all from one
    # state of the archive, though an import may be committing meanwhile.
    counts = _past_the_window(db, query, filters, offset, sort,
                              lambda counts: counts.distinct if fold else counts.paragraphs)
    with one_snapshot(db.conn):
        # One more than asked for: whether there are more to say so.
        hits = [] if counts else run_search(db, query, limit + 1, min(offset, MOST), filters, sort,
                                            fold_duplicates=fold, scored=as_json)
        further, hits = len(hits) > limit, hits[:limit]
        fill_duplicates(db, hits, filters)
        if context and hits:
            # More context than the hits' longest document holds shows whole documents, as that does.
            context = min(context, longest_document(db, {hit.document_id for hit in hits}))
        texts = context_of(db, hits, context) if context else {}
        fields = fields_by_path(db, {hit.path for hit in hits}) if as_json else {}
    highlighter = Highlighter(query, index_lookup(db))
    spans = {hit.paragraph_id: highlighter.spans(hit.text) for hit in hits}
    if as_json:
        for hit in hits:
            around = present.json_context(hit, texts[hit.document_id], context) if context else None
            click.echo(present.json_line(hit, spans[hit.paragraph_id], around, fields.get(hit.path, {})))
    else:
        # color= keeps click from stripping the codes when --color always is piped.
        click.echo(present.format_hits(hits, spans, texts, context, colored), nl=False, color=colored)
    summary = present.search_summary(hits, further)
    if offset and not hits:
        summary += present.past_the_end(offset, counts or count(db, query, filters), "paragraph", fold)
    click.echo(summary, err=True)
    return bool(hits)


def _past_the_window(db, query, filters, offset: int, sort: str, total, noun: str = "paragraph") -> Counts | None:
    """The counts, for a best-first --offset past present.WINDOW that they
    show past the end (total: what the offset counts, noun: what it lists);
    one within them is refused, as the search page's pages are.  None for
    any other offset."""
    from . import present
    from .counts import count

    if sort != "rank" or offset < present.WINDOW:
        return None
    counts = count(db, query, filters)
    if counts.more or offset < total(counts):
        refused = present.past_the_window(f"--offset {offset}", counts, noun=noun)
        raise Failure(refused + ", or list more at once with --limit")
    return counts
