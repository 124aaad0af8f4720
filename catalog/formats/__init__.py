"""Formats: the normalised record read from what sources publish and written as clients read it.

DCAT (``dcat_read``, ``dcat_write``), CKAN (``ckan_read``, ``ckan_write``) and JSON APIs through
declarative mapping profiles (``jsonapi``).
"""
