"""RDF plumbing shared by every DCAT reader and writer: namespaces, syntaxes, parsing, graphs.

It sits under :mod:`catalog.formats` in the *adapt* and *serve* steps of the flow: fetched bytes are
parsed here (unsafe documents refused first) into an index the DCAT reader maps, and records written
as DCAT-AP-SE are serialised here, with one table of namespaces and one of syntaxes for both
(docs/architecture.md).
"""
