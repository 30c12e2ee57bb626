"""Renderers: each is a pure function of the results; `files.write_all` writes them out."""
