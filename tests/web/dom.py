"""A small HTML tree for page tests (stdlib html.parser): find elements by tag and attributes, read text."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def iter(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str | None) -> list[Element]:
        """Descendants with the tag and every attribute given (``class_`` matches one class)."""
        out = []
        for el in self.iter():
            if tag and el.tag != tag:
                continue
            ok = True
            for name, value in attrs.items():
                if name == "class_":
                    ok = value in (el.get("class") or "").split()
                else:
                    name = name.rstrip("_").replace("_", "-")
                    ok = name in el.attrs and (value is None or el.attrs[name] == value)
                if not ok:
                    break
            if ok:
                out.append(el)
        return out

    def find(self, tag: str | None = None, **attrs: str | None) -> Element:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def raw_text(self) -> str:
        return "".join(child if isinstance(child, str) else child.raw_text() for child in self.children)

    @property
    def text(self) -> str:
        """The text below, whitespace collapsed as a browser shows it."""
        return " ".join(self.raw_text().split())

    def links(self) -> dict[str, str]:
        """Link text -> href of every <a> below."""
        return {a.text: a.get("href") or "" for a in self.find_all("a")}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, dict(attrs), self.current)
        self.current.children.append(el)
        if tag not in VOID:
            self.current = el

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def query(href: str) -> dict[str, list[str]]:
    """The query parameters of a link."""
    return parse_qs(urlsplit(href).query, keep_blank_values=True)


def path(href: str) -> str:
    return urlsplit(href).path
