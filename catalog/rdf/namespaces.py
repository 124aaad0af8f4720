"""RDF namespaces: the one table of prefixes and namespace IRIs that readers, writers and reports share."""

from __future__ import annotations

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
DCATAP = "http://data.europa.eu/r5r/"
ADMS = "http://www.w3.org/ns/adms#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
HYDRA = "http://www.w3.org/ns/hydra/core#"
SPDX = "http://spdx.org/rdf/terms#"
LOCN = "http://www.w3.org/ns/locn#"
ODRL = "http://www.w3.org/ns/odrl/2/"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"

TYPE = RDF + "type"

# prefix -> namespace IRI, for every vocabulary DCAT-AP and its SHACL shapes use
PREFIXES: dict[str, str] = {
    "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "owl": OWL, "sh": SH, "dcat": DCAT, "dct": DCT, "dcatap": DCATAP,
    "adms": ADMS, "foaf": FOAF, "vcard": VCARD, "skos": SKOS, "schema": SCHEMA, "hydra": HYDRA, "spdx": SPDX,
    "locn": LOCN, "odrl": ODRL, "prov": PROV, "time": TIME,
}

# The prefixes declared in the documents datakatalog writes: the vocabularies its DCAT-AP-SE output
# uses, and no more (a Turtle page that declares twenty unused prefixes only looks broken).
WRITTEN_PREFIXES: dict[str, str] = {
    name: PREFIXES[name] for name in ("dcat", "dct", "dcatap", "foaf", "vcard", "hydra", "xsd", "rdf", "skos", "rdfs")
}


def curie(iri: str) -> str:
    """A prefixed name for an IRI (``dct:title``), or the IRI itself when no namespace is known."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri
