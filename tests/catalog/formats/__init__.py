"""Tests of the format modules, one file each: what is read from a source and written for a client."""
