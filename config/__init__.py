"""Declarative files read at run time: vocabularies, SHACL shapes, mapping profiles, demo sources.

Data, not code: read through catalog.resources (importlib.resources), so a wheel carries them.
"""
