"""The store: one DuckDB file shared by the batch, the web app, live calls and CLI commands.

- ``database``: this process's single DuckDB instance per file, cursors per thread, turns between processes.
- ``schema``: migrations; ``tables``: results as Arrow rows; ``store``: calls written and read.
"""

from qc.store import outbox
from qc.store.database import Database, NotADatabase, StoreBusy, close_all, database
from qc.store.schema import SCHEMA_VERSION, NewerSchema, current_version, migrate
from qc.store.store import (
    CALL_TABLES, RUBRIC_ALERT_KINDS, LazyRow, StorageError, Store, personal_data_times,
)

__all__ = [
    "CALL_TABLES", "Database", "LazyRow", "NewerSchema", "NotADatabase", "RUBRIC_ALERT_KINDS", "SCHEMA_VERSION",
    "StorageError", "Store", "StoreBusy", "close_all", "current_version", "database", "migrate", "outbox", "personal_data_times",
]
