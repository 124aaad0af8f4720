"""RDF plumbing shared by every DCAT reader and writer: namespaces, syntaxes, parsing, graphs."""
