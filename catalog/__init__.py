"""The datakatalog domain: models, DCAT mapping, validation, storage, search, export."""
