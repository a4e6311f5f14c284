"""How the search and article pages (datasette_search.py) are written out:
HTML through Datasette's own templates, JSON, and CSV of plain text."""

from __future__ import annotations

import csv
import functools
import html
import io
import json

import markupsafe
from datasette.utils.asgi import Response

from .present import mark


def marked(text: str, spans: list[tuple[int, int]]) -> str:
    """The text as HTML, escaped, with the spans in <mark>."""
    return mark(text, spans, "<mark>", "</mark>", escape=html.escape)


def json_list(values) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def api_record(results: dict | None, error: str | None, warnings: list[str]) -> dict:
    """The JSON API's answer: the results, or an error with no hits."""
    record = dict(results) if results else {"total": 0, "distinct": 0, "hits": [], "next": None, "facets": {}}
    if error:
        record["error"] = error
    record["warnings"] = warnings
    return record


def json_response(record: dict, status: int) -> Response:
    return Response(json.dumps(record, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


# The CSV's own columns, less the fields' (between title and text).
CSV_COLUMNS = ("path", "paragraph", "title", "text", "also_in", "document_url")


def csv_field_column(name: str) -> str:
    """A field's column in the CSV: its name, or fields.NAME when that is
    one of the CSV's own columns (a field name never has a dot).

    >>> csv_field_column("source"), csv_field_column("text")
    ('source', 'fields.text')
    """
    return f"fields.{name}" if name in CSV_COLUMNS else name


def csv_response(results: dict | None, error: str | None, status: int) -> Response:
    """The page's hits as CSV: plain text, the fields in columns of their own."""
    if results is None or status >= 400:  # a refused page has totals, and no hits to list
        return Response.text(f"archive: error: {error}\n", status=status)
    names = results["field_names"]  # the archive's, hits or none
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS[:3], *map(csv_field_column, names), *CSV_COLUMNS[3:]])
    for hit in results["hits"]:
        fields = [hit["fields"].get(name) or "" for name in names]
        writer.writerow([hit["path"], hit["paragraph"], hit["title"], *fields, hit["text"],
                         len({copy["path"] for copy in hit["also_in"]} - {hit["path"]}), hit["document_url"]])
    return Response(out.getvalue(), status=status, content_type="text/csv; charset=utf-8")


@functools.lru_cache(maxsize=8)
def _template(environment, text: str):
    return environment.from_string(text)


async def render(datasette, request, text: str, context: dict, status: int) -> Response:
    """A page in Datasette's look (its base template: header, crumbs, CSS)."""
    template = _template(datasette.jinja_env, text)
    body = await datasette.render_template(template, {**context, "Markup": markupsafe.Markup},
                                           request=request)
    return Response.html(body, status=status)


_STYLE = """
<style>
.archive-search input[type=search] { width: 60%; font-size: 1.1em; }
.archive-counts { font-weight: bold; }
.archive-layout { display: flex; gap: 2em; align-items: flex-start; }
.archive-facets { min-width: 12em; }
.archive-facets h3 { margin: 0.6em 0 0.2em; font-size: 1em; }
.archive-facets ul, .archive-filters { list-style: none; padding: 0; margin: 0; }
.archive-facets .selected a { font-weight: bold; }
.archive-hits { flex: 1; padding-left: 2em; }
.archive-hit { margin-bottom: 1.2em; }
.archive-title { font-size: 1.1em; unicode-bidi: plaintext; text-align: start; }
.archive-where { color: #555; font-size: 0.9em; }
.archive-paragraph { line-height: 1.8; unicode-bidi: plaintext; text-align: start; }
.archive-paragraph mark { background: #ffe066; padding: 0 0.1em; }
.archive-article p { scroll-margin-top: 3em; }
.archive-article p.archive-hit, .archive-article p:target { background: #fff5c2;
  outline: 2px solid #e0b800; padding: 0.2em 0.4em; }
.archive-pages a { margin-right: 1em; }
</style>
"""

SEARCH_TEMPLATE = """{% extends "base.html" %}
{% import "_crumbs.html" as crumbs with context %}
{% block title %}Search {{ database }}{% if form.q %}: {{ form.q }}{% endif %}{% endblock %}
{% block extra_head %}""" + _STYLE + """{% endblock %}
{% block crumbs %}{{ crumbs.nav(request=request, database=database) }}{% endblock %}
{% block content %}
<h1>Search {{ database }}</h1>
<form class="archive-search" action="{{ links.search }}" method="get">
  <input type="search" name="q" value="{{ form.q or '' }}" dir="auto" autofocus
    placeholder="words, &quot;a phrase&quot;, a OR b, -word, prefix*, ~word">
  {% for name, value in form.params(q=None, page=1, lexicon=True) %}
  <input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
  <input type="submit" value="Search">
  <label class="archive-lexicon" title="leave out place adjectives and the spellings of loanwords and names">
    <input type="checkbox" name="lexicon" value="0"{% if not form.lexicon %} checked{% endif %}> forms only, no lexicon</label>
</form>
{% for warning in warnings %}<p class="message-warning">Warning: {{ warning }}</p>{% endfor %}
{% if error %}<p class="message-error archive-error">{{ error }}</p>{% endif %}
{% if form.filters_shown() %}<ul class="archive-filters">{% for label, rest in form.filters_shown() %}
  <li>Only {{ label }} <a href="{{ links.search }}?{{ rest }}" title="remove this filter">&#x2715;</a></li>
{% endfor %}</ul>{% endif %}
{% if results %}
<p class="archive-counts">{{ results.counts }}</p>
{% if results.hits %}<p>Page {{ results.page }}{% if results.pages %} of {{ results.pages }}{% endif %}; reprints are shown once.
  <a href="{{ links.database }}/search.json?{{ form.query_string() }}">JSON</a>
  <a href="{{ links.database }}/search.csv?{{ form.query_string() }}">CSV</a></p>{% endif %}
<div class="archive-layout">
{% if results.facets %}<aside class="archive-facets">
{% for name, values in results.facets.items() %}{% if values %}
  <h3>{{ name }}</h3>
  <ul class="archive-facet-{{ name }}">{% for facet in values %}
    <li{% if facet.selected %} class="selected"{% endif %}><a href="{{ facet.url }}" dir="auto">{{ facet.label or facet.value }}</a>
      {{ facet.count }}{% if facet.selected %} &#x2715;{% endif %}</li>{% endfor %}
  </ul>
{% endif %}{% endfor %}
</aside>{% endif %}
<ol class="archive-hits" start="{{ (results.page - 1) * page_size + 1 }}">
{% for hit in results.hits %}
  <li class="archive-hit">
    <div class="archive-title" dir="auto"><a href="{{ hit.document_url }}">{{ hit.title or hit.path }}</a></div>
    <div class="archive-where"><span dir="ltr">{{ hit.path }}:{{ hit.paragraph }}</span>
      {% for name, value in hit.fields.items() %}{% if value %} &middot; {{ name }} <span dir="auto">{{ value }}</span>{% endif %}{% endfor %}</div>
    <div class="archive-paragraph" dir="auto">{{ Markup(hit.marked_text) }}</div>
    {% if hit.also_in_note %}<details class="archive-also"><summary>{{ hit.also_in_note }}</summary><ul>
      {% for copy in hit.also_in %}<li><a href="{{ copy.document_url }}" dir="ltr">{{ copy.path }}:{{ copy.paragraph }}</a></li>{% endfor %}
    </ul></details>{% endif %}
  </li>
{% endfor %}
</ol>
</div>
<p class="archive-pages">
{% if results.previous %}<a rel="prev" href="{{ results.previous }}">&larr; previous page</a>{% endif %}
{% if results.next %}<a rel="next" href="{{ results.next }}">next page &rarr;</a>{% endif %}
</p>
{% endif %}
{% endblock %}
"""

ARTICLE_TEMPLATE = """{% extends "base.html" %}
{% import "_crumbs.html" as crumbs with context %}
{% block title %}{{ title }}{% endblock %}
{% block extra_head %}""" + _STYLE + """{% endblock %}
{% block crumbs %}{{ crumbs.nav(request=request, database=database) }}{% endblock %}
{% block content %}
{% if back %}<p><a class="archive-back" href="{{ back }}">&larr; back to the results</a></p>{% endif %}
<article class="archive-article">
<h1 dir="auto">{{ title }}</h1>
<p class="archive-where"><span dir="ltr">{{ path }}</span>
{% for name, value in fields.items() %}{% if value %} &middot; {{ name }} <span dir="auto">{{ value }}</span>{% endif %}{% endfor %}</p>
{% for paragraph in paragraphs %}
<p id="p-{{ paragraph.number }}" class="archive-paragraph{% if paragraph.hit %} archive-hit{% endif %}" dir="auto">{{ Markup(paragraph.html) }}</p>
{% endfor %}
</article>
{% endblock %}
"""
