"""The `papermill.engine` entry point: papermill imports it at start-up, and it imports the Java translator.

Kept apart from papermill.py so either can be imported first: this module defines nothing the translator's
module needs, and the translator's module registers itself only once it is complete.
"""
from papermill.engines import NBClientEngine

from . import papermill as _java_translator  # noqa: F401  (registers "java" with papermill's translators)


class PrecisEngine(NBClientEngine):
    """papermill's nbclient engine, unchanged: it exists so that papermill loads this module."""
