"""Fetching sources and adapting them into normalised DCAT-AP-SE records."""
