"""What every `qc` command module shares: the consoles, the --config/--db options, loading settings,
and errors told in one line.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Optional

import typer
from rich.console import Console

from qc.config import Settings, load_settings
from qc.errors import QCError

console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error stays one line, whatever the terminal width

# Exit codes: 2 = fix the input or the settings; 3 = the database is busy, try again later.
EXIT_USAGE, EXIT_BUSY = 2, 3


def one_line_errors(command: Callable) -> Callable:
    """An operator gets one line saying what went wrong and what to do, never a traceback, for what is not a bug."""
    import duckdb

    from qc.store import StoreBusy

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except StoreBusy as exc:
            fail(str(exc), EXIT_BUSY)
        except QCError as exc:
            fail(str(exc))
        except IsADirectoryError as exc:
            fail(f"{exc.filename} is a folder; give a file")
        except (FileNotFoundError, NotADirectoryError) as exc:
            fail(f"no such file: {exc.filename or exc}")
        except PermissionError as exc:
            fail(f"not allowed to read or write {exc.filename or exc} (check its owner and mode)")
        except duckdb.Error as exc:
            fail(f"database error: {str(exc).splitlines()[0][:300]}")

    return run


def fail(message: str, code: int = EXIT_USAGE) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


class QcTyper(typer.Typer):
    """A Typer whose commands all report expected errors in one line (see ``one_line_errors``)."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda function: register(one_line_errors(function))

ConfigOpt = typer.Option(None, "--config", "-c", help="Settings file (YAML). Default: $QC_CONFIG, else built-in defaults.")
DbOpt = typer.Option(None, "--db", help="DuckDB file. Default: ./qc.duckdb (or db_path in the settings).")


def settings_from(config: Optional[Path], db: Optional[Path], **overrides: object) -> Settings:
    """Settings from --config and --db (and other options); a bad file ends the command with exit code 2."""
    updates = {k: v for k, v in overrides.items() if v is not None}
    if db is not None:
        updates["db_path"] = db
    try:
        settings = load_settings(config, **updates)
    except QCError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    from qc.store import database

    database(settings.db_path).wait_s = settings.db_wait_s  # this command's patience with other processes
    return settings
