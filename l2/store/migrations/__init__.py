"""Alembic migrations of the node's SQL schema, applied by :func:`l2.store.engine.upgrade` at open."""
