"""CLI for the web app and its people: `qc serve`, `qc users ...`, `qc tokens ...`, `qc agents ...`."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from qc.accounts import (
    ROLES, SCOPES, AccountError, add_agent, add_user, create_token, list_tokens, list_users, revoke_token, set_active, set_password,
)
from qc.cli.common import ConfigOpt, DbOpt, QcTyper, console, err, settings_from

users_app = QcTyper(help="Web app users: inspectors, team leads, agents, admins.", no_args_is_help=True)
tokens_app = QcTyper(help="API tokens for machine clients (they act with a user's role).", no_args_is_help=True)
agents_app = QcTyper(help="The agents whose calls are scored, and their teams.", no_args_is_help=True)
live_app = QcTyper(help="The live path: stream call audio in, alerts out while the call is on.", no_args_is_help=True)


def _password(given: Optional[str]) -> str:
    # From --password-env (scripts, CI) or typed twice at a prompt; never as a plain argument in shell history.
    if given:
        value = os.environ.get(given)
        if not value:
            err.print(f"[red]error:[/red] environment variable {given} is empty or unset")
            raise typer.Exit(2)
        return value
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        err.print("[red]error:[/red] the passwords differ")
        raise typer.Exit(2)
    return first


def _run(settings, action):
    from qc.store import Store

    try:
        with Store(settings.db_path) as store:
            return action(store.con)
    except AccountError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@users_app.command("add")
def users_add(
    username: str,
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    name: Optional[str] = typer.Option(None, "--name", help="Display name."),
    agent_id: Optional[str] = typer.Option(None, "--agent-id", help="Role agent: the agent id the recorder writes."),
    team: Optional[str] = typer.Option(None, "--team", help="Role team_lead: the team they lead."),
    password_env: Optional[str] = typer.Option(None, "--password-env", help="Read the password from this environment variable."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Add a user who may sign in to the web app."""
    settings = settings_from(config, db)
    password = _password(password_env)
    user = _run(settings, lambda con: add_user(con, username, password, role, display_name=name, agent_id=agent_id, team=team))
    console.print(f"added {user.username} ({user.role})")


@users_app.command("list")
def users_list(config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """List users, their roles and whether they may sign in."""
    users = _run(settings_from(config, db), list_users)
    table = Table("user", "role", "name", "agent", "team", "active")
    for u in users:
        table.add_row(u.username, u.role, u.display_name or "", u.agent_id or "", u.team or "", "yes" if u.active else "no")
    console.print(table)


@users_app.command("disable")
def users_disable(username: str, config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """Stop a user signing in; their open sessions end at once."""
    _run(settings_from(config, db), lambda con: set_active(con, username, False))
    console.print(f"disabled {username}")


@users_app.command("enable")
def users_enable(username: str, config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    _run(settings_from(config, db), lambda con: set_active(con, username, True))
    console.print(f"enabled {username}")


@users_app.command("password")
def users_password(username: str, password_env: Optional[str] = typer.Option(None, "--password-env"),
                   config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """Set a new password (ends the user's open sessions)."""
    settings = settings_from(config, db)
    password = _password(password_env)
    _run(settings, lambda con: set_password(con, username, password))
    console.print(f"password changed for {username}")


@tokens_app.command("create")
def tokens_create(username: str, name: str = typer.Option(..., "--name", help="What the token is for."),
                  config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """Create an API token acting as USERNAME. The token is printed once; only its hash is kept."""
    secret = _run(settings_from(config, db), lambda con: create_token(con, username, name))
    console.print(secret, highlight=False)


@tokens_app.command("add")
def tokens_add(username: str, name: str = typer.Option(..., "--name", help="What the token is for."),
               scope: list[str] = typer.Option(["read:calls"], "--scope", help=f"Repeat for each: {', '.join(SCOPES)}."),
               config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """Create an API token with scopes, acting as USERNAME. Printed once; only its hash is kept."""
    settings = settings_from(config, db)
    secret = _run(settings, lambda con: create_token(con, username, name, scopes=tuple(scope),
                                                      raw_roles=tuple(settings.web.raw_data_roles)))
    console.print(secret, highlight=False)


@tokens_app.command("list")
def tokens_list(config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """List tokens: id, user, name, scopes, created, revoked (never the secret)."""
    tokens = _run(settings_from(config, db), list_tokens)
    table = Table("id", "user", "name", "scopes", "created", "revoked")
    for t in tokens:
        table.add_row(t.token_id, t.username, t.name or "", " ".join(t.scopes), f"{t.created_at:%Y-%m-%d %H:%M}" if t.created_at else "",
                      f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "")
    console.print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str, config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """Revoke a token by its id (the part after 'qc_')."""
    _run(settings_from(config, db), lambda con: revoke_token(con, token_id))
    console.print(f"revoked {token_id}")


@agents_app.command("add")
def agents_add(agent_id: str, name: Optional[str] = typer.Option(None, "--name"), team: Optional[str] = typer.Option(None, "--team"),
               line: Optional[str] = typer.Option(None, "--line"), config: Optional[Path] = ConfigOpt, db: Optional[Path] = DbOpt) -> None:
    """Register an agent (or change their team)."""
    _run(settings_from(config, db), lambda con: add_agent(con, agent_id, name=name, team=team, line=line))
    console.print(f"agent {agent_id}: team {team or '-'}")


@agents_app.command("enroll")
def agents_enroll(
    agent_id: str,
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Recordings of the agent (their calls, or them alone)."),
    channel: Optional[int] = typer.Option(None, "--channel", help="The agent's channel in stereo files (default: sidecar, else the line's)."),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Enrol an agent's voiceprint (a speaker embedding, never audio) from recordings of them speaking.

    Calls of that agent are then checked: on stereo calls the agent channel must sound like them
    (else a warning: someone else may be using the login); on mono calls their voice picks the agent.
    """
    from qc.speakers.voiceprints import EnrolmentError, enrol, save

    settings = settings_from(config, db)
    try:
        print_ = enrol(settings, agent_id, files, channel)
    except EnrolmentError as exc:
        err.print(f"[red]error:[/red] {exc.reason}")
        raise typer.Exit(2) from exc
    _run(settings, lambda con: save(con, print_))
    console.print(f"enrolled {agent_id}: {print_.speech_s:.0f} s of speech from {print_.files} file(s)")


def serve(
    host: Optional[str] = typer.Option(None, "--host", help="Address to listen on. Default: 127.0.0.1 (this machine only)."),
    port: Optional[int] = typer.Option(None, "--port"),
    config: Optional[Path] = ConfigOpt,
    db: Optional[Path] = DbOpt,
) -> None:
    """Run the web app (inspectors' queue, call pages, reviews, appeals, dashboard)."""
    import uvicorn

    from qc.store import database
    from qc.web.app import create_app

    settings = settings_from(config, db)
    # Open (and migrate) the store before listening: a wrong path or a file that is not a database ends
    # here in one line, not in a server answering 500 to every page.
    with database(settings.db_path).cursor(write=False):
        pass
    web = settings.web.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v is not None})
    if web.host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]warning:[/yellow] listening on {web.host}: put it behind TLS (web.https: true) and a firewall")
    app = create_app(settings.model_copy(update={"web": web}))
    console.print(f"hotline-qc web app on http://{web.host}:{web.port}/  (database {settings.db_path})")
    uvicorn.run(app, host=web.host, port=web.port, log_level="info", proxy_headers=False)


@live_app.command("simulate")
def live_simulate(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A recording (stereo: one channel per party)."),
    agent: str = typer.Option(..., "--agent", help="The agent id the call belongs to."),
    url: str = typer.Option("ws://127.0.0.1:8080/live/calls", "--url"),
    token_env: str = typer.Option("QC_LIVE_TOKEN", "--token-env", help="Environment variable holding a recorder API token."),
    line: Optional[str] = typer.Option(None, "--line"),
    agent_channel: Optional[int] = typer.Option(None, "--agent-channel"),
    speed: float = typer.Option(1.0, "--speed", help="1 = real time, 4 = four times faster, 0 = as fast as possible."),
    call_id: Optional[str] = typer.Option(None, "--call-id"),
) -> None:
    """Stream a recording to a running `qc serve` in real time (or faster), printing the alerts."""
    import asyncio

    from qc.live.simulate import simulate

    token = os.environ.get(token_env)
    if not token:
        err.print(f"[red]error:[/red] set {token_env} to an API token of a recorder user (qc tokens create USER --name recorder)")
        raise typer.Exit(2)

    def show(message: dict) -> None:
        console.print(message, highlight=False)

    try:
        result = asyncio.run(simulate(url, file, agent_id=agent, token=token, line=line, agent_channel=agent_channel, speed=speed,
                                      call_id=call_id, on_message=show))
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot reach {url}: {exc}")
        raise typer.Exit(2) from exc
    console.print(f"streamed {result.seconds_sent:.1f} s in {result.frames} frames as call {result.call_id}; "
                  f"closed {result.close_code} {result.close_reason or ''}")
