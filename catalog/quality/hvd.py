"""High-value datasets (Commission Implementing Regulation (EU) 2023/138; DCAT-AP HVD): which
records are HVD, and which HVD facts a record lacks (catalog.services.hvd reports them).

A record is an HVD when it (or one of its distributions) names an HVD category or cites the HVD
regulation as applicable legislation. What an HVD must state (:data:`FACTS`), after DCAT-AP HVD's
mandatory properties and the regulation's publishing arrangements:

- ``legislation``: ``dcatap:applicableLegislation`` includes the regulation's ELI
  (http://data.europa.eu/eli/reg_impl/2023/138/oj);
- ``hvd_category``: at least one ``dcatap:hvdCategory``;
- ``distribution``: a distribution, or an API (a data service) serving it; a data service its
  endpoint URL;
- ``licence``: a licence, on the dataset or a distribution;
- ``contact_point``: a contact point;
- ``documentation``: documentation (``foaf:page``), a data service's endpoint description, or a
  landing page.
"""

from __future__ import annotations

from catalog import vocab
from catalog.records import DatasetRecord

FACTS = ("legislation", "hvd_category", "distribution", "licence", "contact_point", "documentation")
FACT_LABELS: dict[str, dict[str, str]] = {
    "legislation": {"sv": "Hänvisar inte till förordning (EU) 2023/138 (tillämplig lagstiftning)",
                    "en": "Does not cite Regulation (EU) 2023/138 (applicable legislation)"},
    "hvd_category": {"sv": "Ingen HVD-kategori", "en": "No HVD category"},
    "distribution": {"sv": "Ingen distribution eller API", "en": "No distribution or API"},
    "licence": {"sv": "Ingen licens", "en": "No licence"},
    "contact_point": {"sv": "Ingen kontaktpunkt", "en": "No contact point"},
    "documentation": {"sv": "Ingen dokumentation", "en": "No documentation"},
}


def categories(rec: DatasetRecord) -> list[str]:
    """The HVD category IRIs of a record and its distributions, in order, each once."""
    seen = dict.fromkeys(rec.hvd_categories)
    for dist in rec.distributions:
        seen.update(dict.fromkeys(dist.hvd_categories))
    return list(seen)


def legislation(rec: DatasetRecord) -> list[str]:
    """The applicable legislation of a record and its distributions (ELIs in one form), each once."""
    seen: dict[str, None] = {}
    for iri in (*rec.applicable_legislation, *(i for d in rec.distributions for i in d.applicable_legislation)):
        seen.setdefault(vocab.legislation_iri(iri) or iri, None)
    return list(seen)


def is_hvd(rec: DatasetRecord) -> bool:
    """Whether a record says it is a high-value dataset (a category, or the HVD regulation cited)."""
    return bool(categories(rec)) or vocab.HVD_LEGISLATION in legislation(rec)


def missing(rec: DatasetRecord) -> list[str]:
    """The HVD facts (:data:`FACTS`) a record lacks."""
    out = []
    if vocab.HVD_LEGISLATION not in (vocab.legislation_iri(i) for i in rec.applicable_legislation):
        out.append("legislation")
    if not rec.hvd_categories:
        out.append("hvd_category")
    if not (rec.distributions or rec.served_by or rec.endpoint_urls):
        out.append("distribution")
    if not rec.licenses():
        out.append("licence")
    if not rec.contact_points:
        out.append("contact_point")
    if not (rec.documentation or rec.endpoint_descriptions or rec.landing_pages):
        out.append("documentation")
    return out


def facet_values(rec: DatasetRecord) -> list[tuple[str, str]]:
    """The (facet, value) pairs of the hvd_category and applicable_legislation facets."""
    pairs = [("hvd_category", code[:500]) for iri in categories(rec) if (code := vocab.hvd_category_code(iri))]
    pairs += [("applicable_legislation", iri[:500]) for iri in legislation(rec)]
    return pairs
