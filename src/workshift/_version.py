"""The package version: one home, imported by every module that records it (and re-exported at the root)."""

__version__ = "0.1.0"
