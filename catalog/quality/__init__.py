"""Quality: the *validate* step of the flow. The DCAT-AP-SE mandatory checks and the quality score
run on every record in every harvest (:mod:`~catalog.quality.rules`); the official DCAT-AP SHACL
shapes run after a run and on demand (:mod:`~catalog.quality.shacl`, :mod:`~catalog.quality.checks`);
problems are grouped by rule in one place and summed into per-publisher reports (docs/architecture.md).
"""
