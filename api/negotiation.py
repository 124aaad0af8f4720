"""Content negotiation between JSON and the RDF serialisations."""

from __future__ import annotations

from catalog.rdf import syntaxes


def negotiate(accept: str | None, fmt: str | None = None) -> str | None:
    """The RDF media type the client asked for (by ?format= or Accept), or None for JSON."""
    if fmt:
        fmt = fmt.lower()
        if fmt == "json":  # plain JSON, although a file named .json is read as JSON-LD
            return None
        named = syntaxes.by_name(fmt)
        return named.media_type if named is not None and named.written else None
    if not accept:
        return None
    best: tuple[float, str | None] = (0.0, None)
    for part in accept.split(","):
        bits = [b.strip() for b in part.split(";")]
        mime = bits[0].lower()
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if mime in ("application/json", "*/*", "application/*"):
            candidate = None
        elif mime in syntaxes.WRITTEN_MEDIA_TYPES:
            candidate = mime
        elif mime == "text/n3":
            candidate = "text/turtle"
        else:
            continue
        if q > best[0]:
            best = (q, candidate)
    return best[1]
