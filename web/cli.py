"""``flask --app server ...`` commands for administrators and integrators."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from queueing import accounts, office_voice, settings
from queueing.demo import seed_demo
from queueing.errors import QueueError
from queueing.models import ROLE_ADMIN, ROLE_SUPERVISOR, ROLES, TOKEN_ROLES, Office
from queueing.operations import Actor
from voice.clips import CLIPS, RECORDED_CLIP_EXTENSION

from .context import database
from .jobs import close_stale_days, pack_report_days

#: Who acts in the audit log when an administrator runs a command.
CLI = Actor("cli")


def _office_id(session: Session, code: str | None, role: str) -> int | None:
    """The office named, or for a clerk or manager the installation's only
    office; an administrator without --office belongs to every office."""
    if code is not None:
        office = session.scalar(select(Office).where(Office.code == code))
        if office is None:
            raise click.ClickException(f"no office with code {code!r}")
        return int(office.id)
    if role == ROLE_ADMIN:
        return None
    offices = list(session.scalars(select(Office.id).limit(2)))
    if len(offices) != 1:
        raise click.ClickException("a clerk or a manager belongs to an office: give --office")
    return int(offices[0])


def _supervised_ids(session: Session, codes: str | None) -> list[int]:
    """The offices of ``--office A,B`` for a supervisor: one at least."""
    wanted = [code.strip() for code in (codes or "").split(",") if code.strip()]
    if not wanted:
        raise click.ClickException("a supervisor oversees offices: give --office CODE[,CODE...]")
    found = {
        code: office_id
        for code, office_id in session.execute(
            select(Office.code, Office.id).where(Office.code.in_(wanted))
        )
    }
    missing = [code for code in wanted if code not in found]
    if missing:
        raise click.ClickException(f"no office with code {missing[0]!r}")
    return sorted({int(found[code]) for code in wanted})


def _audit_office(session: Session, office_id: int | None) -> int | None:
    """The office whose log records the change: the one named, else the
    first; None before any office exists."""
    if office_id is not None:
        return office_id
    first = session.scalar(select(Office.id).order_by(Office.id).limit(1))
    return int(first) if first is not None else None


def register(app: Flask) -> None:
    register_backup(app)
    register_voice_export(app)

    @app.cli.command("create-api-token")
    @click.argument("name")
    @click.option("--role", type=click.Choice(TOKEN_ROLES), required=True)
    @click.option(
        "--office",
        "office_code",
        default=None,
        help="Office code (default: all offices for an admin, else the only office).",
    )
    def create_api_token(name: str, role: str, office_code: str | None) -> None:
        """Create an API token; the token is the last line printed."""
        now = datetime.now(UTC)

        def work(session: Session) -> str:
            office_id = _office_id(session, office_code, role)
            audit = _audit_office(session, office_id)
            if audit is None:
                _row, token = accounts.create_token(session, name, role, now, office_id=office_id)
            else:
                # The same use case as the admin screens, with its audit event.
                _row, token = settings.create_token(session, audit, name, role, office_id, now, CLI)
            return token

        try:
            token = database().write(work)
        except QueueError as error:
            raise click.ClickException(error.message) from error
        click.echo(f"Token {name!r} with role {role} created. It is shown only once:")
        click.echo(token)

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option(
        "--office",
        "office_code",
        default=None,
        help=(
            "Office code (default: all offices for an admin, else the only office);"
            " a supervisor's offices as CODE,CODE."
        ),
    )
    @click.option("--name", "display_name", default="", help="Name shown on screens.")
    @click.password_option()
    def create_user(
        username: str, role: str, office_code: str | None, display_name: str, password: str
    ) -> None:
        """Create a user who logs in to the counter, manager or admin pages."""
        now = datetime.now(UTC)

        def work(session: Session) -> None:
            fields: dict[str, Any] = {
                "username": username,
                "password": password,
                "role": role,
                "display_name": display_name,
            }
            if role == ROLE_SUPERVISOR:
                fields["office_ids"] = _supervised_ids(session, office_code)
                audit = _audit_office(session, fields["office_ids"][0])
            else:
                fields["office_id"] = _office_id(session, office_code, role)
                audit = _audit_office(session, fields["office_id"])
            if audit is None:
                # The installation's first administrator, before any office.
                accounts.create_user(session, username, password, role, now, office_id=None)
            else:
                # The same use case as the admin screens, with its audit event.
                settings.create_user(session, audit, fields, now, CLI)

        try:
            database().write(work)
        except QueueError as error:
            raise click.ClickException(error.message) from error
        click.echo(f"User {username!r} with role {role} created.")

    @app.cli.command("create-kiosk-key")
    @click.argument("kiosk_id", type=int)
    def create_kiosk_key(kiosk_id: int) -> None:
        """Make the key that registers a kiosk PC; the address to open is the
        last line printed. An older key of the kiosk stops working."""
        try:
            key = database().write(lambda session: accounts.create_kiosk_key(session, kiosk_id))
        except QueueError as error:
            raise click.ClickException(error.message) from error
        base = app.config["LUOT_PUBLIC_URL"] or "http://SERVER:5000"
        click.echo("Open this address once in the kiosk PC's browser:")
        click.echo(f"{base}/kiosk/{kiosk_id}?key={key}")

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Create the demo office (code DEMO) with its services, counters and users."""
        now = datetime.now(UTC)
        office = database().write(
            lambda session: seed_demo(session, now, timezone=app.config["LUOT_TIMEZONE"])
        )
        click.echo(f"Demo office {office.code} is ready.")

    @app.cli.command("close-day")
    def close_day() -> None:
        """Close tickets left open from earlier days (normally automatic at midnight)."""
        total = close_stale_days(app)
        click.echo(f"Closed {total} ticket(s) left open from earlier days.")

    @app.cli.command("pack-reports")
    def pack_reports() -> None:
        """Pack every closed day not yet packed for the reports (normally
        done in the background, a month per office each minute)."""
        total = pack_report_days(app, everything=True, limit=None)
        click.echo(f"Packed {total} closed day(s) for the reports.")


def register_backup(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, writable=True))
    def backup(path: str) -> None:
        """Copy the SQLite database to PATH, consistently, while the server runs."""
        import os
        import sqlite3

        url = database().engine.url
        if url.get_backend_name() != "sqlite" or not url.database:
            raise click.ClickException(
                "backup copies a SQLite database; for PostgreSQL use pg_dump (see the README)"
            )
        if os.path.exists(path):
            raise click.ClickException(f"{path} exists already; choose a new file")
        source = sqlite3.connect(url.database, timeout=30)
        target = sqlite3.connect(path)
        try:
            # The online backup API copies a consistent snapshot page by page
            # while other connections go on reading and writing.
            with target:
                source.backup(target, pages=1024)
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
            source.close()
        if check != "ok":
            raise click.ClickException(f"the copy failed its integrity check: {check}")
        click.echo(f"Backed up {url.database} to {path}.")


def register_voice_export(app: Flask) -> None:
    @app.cli.command("voice-export")
    @click.argument("office_code")
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    @click.option(
        "--recorded-only",
        is_flag=True,
        help="Write the office's recordings only, not the bundled clips that fill the rest.",
    )
    def voice_export(office_code: str, folder: Path, recorded_only: bool) -> None:
        """Write the clips an office's displays play into FOLDER, named as in
        static/voice/: its published recordings as NAME.wav, and (unless
        --recorded-only) the bundled NAME.mp3 of every other clip."""
        with database().read() as session:
            office = session.scalar(select(Office).where(Office.code == office_code))
            if office is None:
                raise click.ClickException(f"no office with code {office_code!r}")
            recorded = {
                name: office_voice.audio(session, office.id, name, office_voice.PUBLISHED).audio
                for name in office_voice.digests(session, office.id, office_voice.PUBLISHED)
            }
        bundled = Path(app.static_folder or "static") / "voice"
        written = 0
        for clip in CLIPS:
            if clip.name in recorded:
                target = folder / f"{clip.name}.{RECORDED_CLIP_EXTENSION}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(recorded[clip.name])
            elif not recorded_only:
                target = folder / clip.file_name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(bundled / clip.file_name, target)
            else:
                continue
            written += 1
        click.echo(
            f"{office_code}: {len(recorded)} recorded clips, {written} files written to {folder}"
        )
