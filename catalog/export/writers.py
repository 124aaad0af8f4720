"""The export writers: CSV, JSON, XLSX, a Markdown hand-out and DCAT-AP-SE RDF, streamed.

Every export is a generator of byte chunks over an ordered list of dataset primary keys: rows are
read from the database ~500 at a time (catalog.export.rows) and written out batch by batch, so exporting 100,000
datasets holds one batch of records in memory, never the catalogue (benchmarks/export.py measures
it). The order is the caller's: a search's result order, or a curated list's.

RDF is built per batch with :mod:`catalog.formats.dcat_write` and serialised by Oxigraph. Turtle batches
are concatenated (each repeats the same prefix declarations, which Turtle allows); JSON-LD batches
are expanded JSON-LD arrays joined into one array; RDF/XML batches are joined under one
``rdf:RDF`` root, so each format is one well-formed document.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import Engine

from catalog import vocab
from catalog.errors import FieldError
from catalog.export.rows import (
    COLUMNS,
    Item,
    access_label,
    catalogue_url,
    hvd_categories,
    iter_items,
    json_item,
    licence_text,
    links,
    table_row,
    withdrawn_note,
)
from catalog.formats import dcat_write
from catalog.rdf import syntaxes
from catalog.rdf.graph import DCAT, URIRef, new_graph, serialize
from catalog.records import display_text

# media type, file extension
FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "md": ("text/markdown; charset=utf-8", "md"),
    "ttl": ("text/turtle", "ttl"),
    "jsonld": ("application/ld+json", "jsonld"),
    "rdf": ("application/rdf+xml", "rdf"),
}
XLSX_CELL_MAX = 32767


@dataclass(slots=True)
class ExportDoc:
    """What an export is about: its title and introduction (the hand-out's heading)."""

    title: str = "Datasets from datakatalog"
    description: str | None = None
    # who publishes the catalogue a DCAT export describes (settings CATALOG_PUBLISHER_*)
    publisher: dcat_write.CatalogPublisher = dcat_write.DEFAULT_PUBLISHER


def media_type(fmt: str) -> str:
    return FORMATS[fmt][0]


def filename(fmt: str, stem: str = "datakatalog-export") -> str:
    return f"{stem}-{datetime.now(UTC):%Y%m%d}.{FORMATS[fmt][1]}"


# -- formats ----------------------------------------------------------------------------------


def stream(engine: Engine, pks: Sequence[int], fmt: str, *, base_url: str, doc: ExportDoc | None = None) -> Iterator[
        bytes]:
    """The export of ``pks`` (in order) as ``fmt``, chunk by chunk."""
    doc = doc or ExportDoc()
    writers = {"csv": _csv, "json": _json, "xlsx": _xlsx, "md": _markdown, "ttl": _rdf, "jsonld": _rdf,
               "rdf": _rdf}
    writer = writers[fmt]
    return writer(engine, pks, fmt, base_url, doc)


def _csv(engine: Engine, pks: Sequence[int], _fmt: str, base_url: str, _doc: ExportDoc) -> Iterator[bytes]:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    # a byte-order mark: Excel (as Swedish offices open CSV) otherwise reads UTF-8 as Latin-1
    buf.write("\ufeff")
    out.writerow(COLUMNS)
    for items in iter_items(engine, pks):
        for item in items:
            out.writerow(table_row(item, base_url))
        yield buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode("utf-8")


def _json(engine: Engine, pks: Sequence[int], _fmt: str, base_url: str, _doc: ExportDoc) -> Iterator[bytes]:
    yield b"["
    first = True
    for items in iter_items(engine, pks):
        parts = []
        for item in items:
            parts.append((b"\n" if first else b",\n") + orjson.dumps(json_item(item, base_url)))
            first = False
        yield b"".join(parts)
    yield b"\n]\n"


def _xlsx_text(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)[:XLSX_CELL_MAX]


def _xlsx(engine: Engine, pks: Sequence[int], _fmt: str, base_url: str, doc: ExportDoc) -> Iterator[bytes]:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    # write-only mode streams rows to a temporary XML part; the zip file exists only once saved
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="Datasets")
    widths = {"A": 18, "B": 40, "C": 60, "D": 30, "E": 25, "F": 25, "G": 14, "H": 14, "I": 18, "O": 50, "P": 12,
              "Q": 40, "R": 40, "S": 40}
    for col, width in widths.items():
        ws.column_dimensions[col].width = width
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for items in iter_items(engine, pks):
        for item in items:
            ws.append([_xlsx_text(v) for v in table_row(item, base_url)])
    fd, path = tempfile.mkstemp(suffix=".xlsx", prefix="datakatalog-")
    os.close(fd)
    try:
        wb.save(path)
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 16):
                yield chunk
    finally:
        os.unlink(path)


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|"})


def _md(text: str) -> str:
    """Inline Markdown text: special characters escaped, on one line."""
    return " ".join(text.split()).translate(_MD_SPECIAL)


def _md_block(text: str) -> str:
    paragraphs = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    return "\n\n".join(p.translate(_MD_SPECIAL) for p in paragraphs if p)


def _md_link(url: str) -> str:
    return f"<{url}>" if " " not in url and "<" not in url and ">" not in url else _md(url)


def markdown_section(n: int, item: Item, base_url: str) -> str:
    rec = item.rec
    ln = links(rec)
    lines = [f"## {n}. {_md(item.row.title or '(untitled)')}", ""]
    if item.publisher_name:
        lines += [f"*{_md(item.publisher_name)}*", ""]
    note = withdrawn_note(item)
    if note:
        lines += [f"> **{_md(note)}**", ""]
    description = display_text(rec.description)
    if description:
        lines += [_md_block(description), ""]
    lic = licence_text(rec)
    facts = [
        ("Formats", ", ".join(rec.formats()) or "–"),
        ("Licence", f"{_md(vocab.licence_label(lic))} ({_md(lic)})" if lic and vocab.licence(lic) else
         (_md(lic) if lic else "not stated")),
        ("Access", access_label(rec)),
    ]
    categories = hvd_categories(rec)
    if categories:  # a high-value dataset says so, with its categories in English
        facts.append(("High-value dataset", ", ".join(_md(vocab.hvd_categories().label(c, "en")) for c in categories)))
    lines += [f"- **{k}:** {v}" for k, v in facts]
    lines += [f"- **Landing page:** {_md_link(u)}" for u in ln["landing_pages"]]
    lines += [f"- **Download:** {_md_link(u)}" for u in ln["download_urls"]]
    lines += [f"- **Access URL / API:** {_md_link(u)}" for u in ln["access_urls"]]
    lines += [f"- **In the catalogue:** {_md_link(catalogue_url(base_url, item.row.id))}", "", ""]
    return "\n".join(lines)


def _markdown(engine: Engine, pks: Sequence[int], _fmt: str, base_url: str, doc: ExportDoc) -> Iterator[bytes]:
    head = [f"# {_md(doc.title)}", ""]
    if doc.description:
        head += [_md_block(doc.description), ""]
    count = len(pks)
    noun = "dataset" if count == 1 else "datasets"
    head += [f"{count} {noun}, exported from datakatalog ({_md_link(base_url.rstrip('/') + '/')}) on "
             f"{datetime.now(UTC):%Y-%m-%d}. Each section names the publisher, the formats, the licence, "
             "how to get access and where to find the data.", "", "---", "", ""]
    yield "\n".join(head).encode("utf-8")
    n = 0
    for items in iter_items(engine, pks):
        parts = []
        for item in items:
            n += 1
            parts.append(markdown_section(n, item, base_url))
        yield "".join(parts).encode("utf-8")


def _rdf(engine: Engine, pks: Sequence[int], fmt: str, base_url: str, doc: ExportDoc) -> Iterator[bytes]:
    mime = syntaxes.EXTENSIONS[fmt]
    total = len(pks)
    first = True
    if fmt == "jsonld":
        yield b"["
    wrote_node = False
    for items in iter_items(engine, pks):
        stored = [dcat_write.StoredDataset(i.row.id, i.row.publisher_id, i.rec) for i in items]
        if first:
            # the catalogue description once, at the top; every batch then links its datasets to it
            g = dcat_write.catalog_graph(stored, base_url=base_url, page=1, per_page=max(total, 1), total=total,
                                         page_url=base_url, publisher=doc.publisher)
        else:
            g = new_graph()
            cat = URIRef(f"{base_url.rstrip('/')}/catalog")
            for s in stored:
                node = dcat_write.add_dataset(g, s, base_url)
                g.add((cat, DCAT.service if s.record.kind == "dataservice" else DCAT.dataset,
                       node))
        body = serialize(g, mime)
        if fmt == "ttl":
            yield body
        elif fmt == "jsonld":
            inner = body.strip()[1:-1].strip()
            if inner:
                yield (b",\n" if wrote_node else b"\n") + inner
                wrote_node = True
        else:
            yield _rdfxml_part(body, first=first)
        first = False
    if first:  # nothing to export: still the catalogue description, as one document
        g = dcat_write.catalog_graph([], base_url=base_url, page=1, per_page=1, total=0, page_url=base_url,
                                     publisher=doc.publisher)
        body = serialize(g, mime)
        if fmt == "jsonld":
            yield b"\n" + body.strip()[1:-1].strip()
        elif fmt == "ttl":
            yield body
        else:
            yield _rdfxml_part(body, first=True)
    if fmt == "jsonld":
        yield b"\n]\n"
    elif fmt == "rdf":
        yield b"</rdf:RDF>\n"


def _rdfxml_part(body: bytes, *, first: bool) -> bytes:
    """A batch's RDF/XML without its closing root tag (and, after the first, without its prolog and
    opening root tag): Oxigraph declares the same namespaces on every root, given the same prefixes,
    and declares any other namespace on the element that uses it."""
    end = body.rindex(b"</rdf:RDF>")
    if first:
        return body[:end]
    start = body.index(b">", body.index(b"<rdf:RDF")) + 1
    return body[start:end]


def check_format(fmt: str | None) -> str:
    """The export format asked for (csv when none is), or FieldError naming ``format``."""
    fmt = (fmt or "csv").strip()
    if fmt not in FORMATS:
        raise FieldError("format", f"one of {', '.join(FORMATS)}")
    return fmt
