"""Publishes an anti-human-trafficking training calendar from a folder of event files."""

__version__ = "0.1.0"
