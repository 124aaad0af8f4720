"""Tests of the RDF plumbing: namespaces, syntaxes, parsing, graphs."""
