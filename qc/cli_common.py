"""What every `qc` command module shares: the consoles, the --config/--db options, loading settings."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from qc.config import Settings, load_settings
from qc.errors import QCError

console = Console()
err = Console(stderr=True)

ConfigOpt = typer.Option(None, "--config", "-c", help="Settings file (YAML). Default: $QC_CONFIG, else built-in defaults.")
DbOpt = typer.Option(None, "--db", help="DuckDB file. Default: ./qc.duckdb (or db_path in the settings).")


def settings_from(config: Optional[Path], db: Optional[Path], **overrides: object) -> Settings:
    """Settings from --config and --db (and other options); a bad file ends the command with exit code 2."""
    updates = {k: v for k, v in overrides.items() if v is not None}
    if db is not None:
        updates["db_path"] = db
    try:
        return load_settings(config, **updates)
    except QCError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
