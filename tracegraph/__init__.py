"""tracegraph: lot traceability on Neo4j."""

__version__ = "0.1.0"
