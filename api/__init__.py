"""The outside of datakatalog: the FastAPI application and the command line."""
