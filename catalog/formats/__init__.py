"""Record formats: reading DCAT, CKAN packages and JSON APIs (through TOML mapping profiles) into
:class:`~catalog.records.DatasetRecord`, and writing records back out as DCAT-AP-SE. The *adapt* step
of the flow calls the readers (from :mod:`harvester.adapters`); the *serve* step calls the writer.
Parsing and serialising RDF itself is :mod:`catalog.rdf`'s (docs/architecture.md).
"""
