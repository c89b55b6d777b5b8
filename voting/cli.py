"""The `stembus` command: run, migrate, import members, invite, grant roles.

Each command parses its arguments and calls one service inside an app context. Output,
the services' messages included, is in the language given by `stembus --language` or
STEMBUS_LANGUAGE: Dutch by default, or English (voting/words.py).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting import create_app, words
from voting.accounts.identity import auth_config
from voting.accounts.invitations import invite_members
from voting.accounts.models import Role
from voting.config import ConfigError, Environment, Settings
from voting.db import EXTENSION_KEY, Database, utcnow
from voting.mail import MailError
from voting.members.models import Branch, Member, MemberStatus
from voting.members.services import ImportRefused, apply_import, create_branch, plan_import
from voting.migrations import upgrade
from voting.runtime import current_keyring, current_mailer, current_settings
from voting.words import _


def _settings() -> Settings:
    try:
        return Settings.from_env(os.environ)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


@contextmanager
def _app() -> Iterator[Flask]:
    app = create_app(_settings())
    try:
        with app.app_context(), force_locale(words.current()):
            yield app
    finally:
        _database(app).engine.dispose()  # a command's connections end with the command


def _database(app: Flask) -> Database:
    database: Database = app.extensions[EXTENSION_KEY]
    return database


@click.group()
@click.option(
    "--language",
    type=click.Choice(words.LANGUAGES),
    default=None,
    help="nl (Dutch, the default) or en (English); also STEMBUS_LANGUAGE.",
)
def main(language: str | None) -> None:
    """Stembus: verifiable voting and consensus decisions."""
    words.use(words.choose(language, os.environ))


@main.command()
def migrate() -> None:
    """Create or update the database schema (Alembic migrations)."""
    with _app() as app, _database(app).engine.begin() as connection:
        upgrade(connection)
    click.echo(_("database is up to date"))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--smtp-port", default=8025, show_default=True, type=int)
def dev(host: str, port: int, smtp_port: int) -> None:
    """Development server: SQLite in instance/, demo data, and a local mail sink."""
    os.environ.setdefault("STEMBUS_ENV", Environment.DEVELOPMENT.value)
    os.environ.setdefault("SMTP_PORT", str(smtp_port))
    os.environ.setdefault("STEMBUS_BASE_URL", f"http://{host}:{port}")
    settings = _settings()
    if settings.env is not Environment.DEVELOPMENT:
        raise click.ClickException(_("stembus dev only runs with STEMBUS_ENV=development"))
    from voting.demo import (
        DEMO_PASSPHRASE,
        has_data,
        load_demo_consensus,
        load_demo_data,
        load_demo_election,
        load_demo_qa,
        saved_logins,
    )
    from voting.devmail import start_sink
    from voting.mail import SMTPMailer

    instance = Path(settings.instance_path).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    # The sink runs first, so the demo's own notices (a question published, an answer)
    # arrive in instance/mail like any other mail.
    sink = start_sink(instance / "mail", "127.0.0.1", settings.smtp_port)
    try:
        with app.app_context():
            database = _database(app)
            with database.engine.begin() as connection:
                upgrade(connection)
            with database.session() as session:
                if not has_data(session):
                    keyring = current_keyring()
                    logins = load_demo_data(session, auth_config(), utcnow(), instance)
                    load_demo_election(session, keyring, settings.secret_key, utcnow(), instance)
                    load_demo_consensus(session, keyring, settings.secret_key, utcnow(), logins)
                    load_demo_qa(session, keyring, settings, SMTPMailer(settings), utcnow(), logins)
            with database.session() as session:
                problems = _log_problems(session)
        if problems:
            raise click.ClickException(_("refusing to start: %(why)s", why="; ".join(problems)))
        click.echo(
            "\n"
            + _(
                "Stembus runs on %(address)s  (mail is saved in %(folder)s)",
                address=settings.base_url,
                folder=instance / "mail",
            )
        )
        click.echo(_("Demo accounts (role, e-mail, password):"))
        for login in saved_logins(instance):
            click.echo(f"  {login.role:<10} {login.email:<48} {login.password}")
        click.echo(
            _(
                "Officer, moderator, trustee and admin accounts use a second step; get the current code with:"
            )
        )
        click.echo("  .venv/bin/stembus demo-code EMAIL")
        click.echo(
            _(
                "A demo vote is open from one minute after the first start; the board has a proposal in its first round (Besluiten) and the Partijraad election has its candidate Q&A open (Kandidaten). The trustees' secret files are %(folder)s/trustee-N.key, passphrase '%(passphrase)s'.",
                folder=instance,
                passphrase=DEMO_PASSPHRASE.format(index="N"),
            )
            + "\n"
        )
        app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)
    finally:
        sink.stop()


@main.command("demo-code")
@click.argument("email")
def demo_code(email: str) -> None:
    """Print the current second-step code of a demo account (development only)."""
    with _app() as app:
        if current_settings().env is not Environment.DEVELOPMENT:
            raise click.ClickException(_("only in development"))
        from voting.demo import current_code

        with _database(app).session() as session:
            code = current_code(session, auth_config(), email, utcnow())
    if code is None:
        raise click.ClickException(_("no demo account with a second step has this address"))
    click.echo(code)


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=4, show_default=True, type=int)
def serve(bind: str, workers: int) -> None:
    """Production server: gunicorn with several workers (settings from the environment)."""
    _settings()  # fail early, naming a bad variable
    with _app() as app, _database(app).session() as session:
        problems = _log_problems(session)
    if problems:
        raise click.ClickException(_("refusing to start: %(why)s", why="; ".join(problems)))
    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    os.execv(  # noqa: S606  # replaces this process with gunicorn, arguments are ours
        gunicorn,
        [
            gunicorn,
            "--bind",
            bind,
            "--workers",
            str(workers),
            # No --access-logfile: its lines hold full paths (links, tracking codes) and
            # client addresses; the app logs route patterns instead (voting/logging.py).
            "voting.wsgi:app",
        ],
    )


@main.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option(
    "--confirm-mass-deactivation", is_flag=True, help="Allow deactivating more than 10% of members."
)
def import_members(file: Path, dry_run: bool, confirm_mass_deactivation: bool) -> None:
    """Import the member list exported from the CRM (CSV)."""
    content = file.read_bytes()
    with _app() as app, _database(app).session() as session:
        now = utcnow()
        plan = plan_import(session, content, now.date())
        for problem in plan.problems:
            click.echo(
                _("line %(line)d: %(message)s", line=problem.line, message=str(problem.message)),
                err=True,
            )
        for warning in plan.warnings:
            click.echo(
                _("line %(line)d: %(message)s", line=warning.line, message=str(warning.message)),
                err=True,
            )
        counts = plan.counts()
        click.echo(
            _(
                "added %(added)d, changed %(changed)d, deactivated %(deactivated)d, unchanged %(unchanged)d",
                added=counts["added"],
                changed=counts["changed"],
                deactivated=counts["deactivated"],
                unchanged=counts["unchanged"],
            )
        )
        if not plan.is_applicable:
            raise click.ClickException(_("the file has problems; nothing has changed"))
        if dry_run:
            click.echo(_("dry run: nothing has changed"))
            return
        try:
            apply_import(
                session,
                content,
                expected_digest=plan.digest(),
                confirm_mass_deactivation=confirm_mass_deactivation,
                actor=None,
                now=now,
            )
        except ImportRefused as refused:
            raise click.ClickException(str(refused.message)) from refused
        click.echo(_("the member list is updated"))


@main.command()
@click.argument("numbers", nargs=-1)
@click.option("--all-pending", is_flag=True, help="Every active member without a password.")
def invite(numbers: tuple[str, ...], all_pending: bool) -> None:
    """Send invitation e-mails to members (by member number, or all who have none)."""
    with _app() as app, _database(app).session() as session:
        statement = select(Member).where(Member.status == MemberStatus.ACTIVE)
        if not all_pending:
            if not numbers:
                raise click.UsageError(_("give member numbers or --all-pending"))
            statement = select(Member).where(Member.number.in_(numbers))
        members = list(session.scalars(statement))
        try:
            result = invite_members(
                session,
                auth_config(),
                current_settings(),
                current_mailer(),
                members,
                None,
                utcnow(),
            )
        except MailError as error:
            raise click.ClickException(_("mail server: %(error)s", error=error)) from error
    click.echo(
        _(
            "invited %(invited)d, already active %(active)d, not eligible %(not_eligible)d",
            invited=result.invited,
            active=result.already_active,
            not_eligible=result.not_eligible,
        )
    )


@main.command()
def purge() -> None:
    """Delete data past its retention period (run daily; see docs/privacy.md)."""
    from voting.retention import purge as purge_expired

    with _app() as app, _database(app).session() as session:
        result = purge_expired(session, utcnow())
    click.echo(
        _(
            "removed %(sessions)d sessions, %(tokens)d link tokens, %(uploads)d uploads",
            sessions=result.sessions,
            tokens=result.tokens,
            uploads=result.uploads,
        )
    )


@main.command()
@click.option("--voters", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--questions", default=5, show_default=True, type=click.IntRange(1, 60))
@click.option("--trustees", default=3, show_default=True, type=click.IntRange(2, 15))
@click.option("--threshold", default=2, show_default=True, type=click.IntRange(2, 15))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=True, dir_okay=True, path_type=Path),
    help="where to write the election record",
)
def simulate(voters: int, questions: int, trustees: int, threshold: int, out: Path) -> None:
    """Run a complete election through the service code and write its record (one JSON line)."""
    from voting.elections.simulation import Plan
    from voting.elections.simulation import simulate as run

    if threshold > trustees:
        raise click.UsageError(_("--threshold cannot exceed --trustees"))
    if out.exists():
        raise click.UsageError(_("%(path)s exists already", path=out))
    with _app() as app, _database(app).session() as session:
        summary = run(
            session,
            current_keyring(),
            current_settings().secret_key,
            Plan(voters, questions, trustees, threshold, out),
        )
    click.echo(json.dumps(summary, sort_keys=True))


@main.command("close-due")
def close_due() -> None:
    """Close every vote whose closing time has passed and compute its tally (run every minute)."""
    from voting.elections.lifecycle import close_due as close

    with _app() as app, _database(app).session() as session:
        closed = close(session, current_keyring(), utcnow())
    click.echo(_("votes closed: %(count)d", count=len(closed)))


@main.command("check-logs")
@click.option(
    "--receipt",
    "receipts",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="also check a voter's downloaded receipt",
)
def check_logs_command(receipts: tuple[Path, ...]) -> None:
    """Check every audit log against the heads witnessed outside the database, and against
    the heads in receipts that voters kept (T22)."""
    from voting.witness import check_receipt

    with _app() as app, _database(app).session() as session:
        problems = _log_problems(session)
        for path in receipts:
            problem = check_receipt(session, current_keyring(), path.read_bytes())
            if problem is not None:
                problems.append(
                    _(
                        "receipt %(file)s, log %(log)s: %(check)s (%(detail)s)",
                        file=path.name,
                        log=problem.log_id,
                        check=problem.check,
                        detail=problem.detail,
                    )
                )
    if problems:
        raise click.ClickException("; ".join(problems))
    click.echo(_("every log extends its newest witnessed head"))


def _log_problems(session: Session) -> list[str]:
    from voting.witness import check_logs

    folder = Path(current_settings().witness_path)
    return [
        _("log %(log)s: %(check)s (%(detail)s)", log=p.log_id, check=p.check, detail=p.detail)
        for p in check_logs(session, current_keyring(), folder)
    ]


@main.command("backup")
@click.argument("target", type=click.Path(path_type=Path))
def backup_command(target: Path) -> None:
    """Write a consistent copy of the database (SQLite backup or pg_dump)."""
    from voting.backup import BackupError, backup

    try:
        backup(_settings().database_url, target)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(_("backup written to %(path)s", path=target))


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
def restore_command(source: Path) -> None:
    """Replace the database with a backup, then check the logs against the witness."""
    from voting.backup import BackupError, restore

    try:
        restore(_settings().database_url, source)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    with _app() as app, _database(app).session() as session:
        problems = _log_problems(session)
    if problems:
        raise click.ClickException(
            _(
                "restored, but the database is older than heads already published: %(problems)s",
                problems="; ".join(problems),
            )
        )
    click.echo(
        _("restored from %(path)s; every log extends its newest witnessed head", path=source)
    )


@main.command("add-branch")
@click.argument("code")
@click.argument("name")
@click.option(
    "--timezone",
    default="Europe/Amsterdam",
    type=click.Choice(["Europe/Amsterdam", "America/Kralendijk"]),
)
def add_branch(code: str, name: str, timezone: str) -> None:
    """Add a branch (afdeling)."""
    with _app() as app, _database(app).session() as session:
        create_branch(session, code, name, timezone, None, utcnow())
    click.echo(_("branch %(code)s added", code=code))


@main.command("grant-role")
@click.argument("member_number")
@click.argument("role", type=click.Choice([r.value for r in Role if r is not Role.CANDIDATE]))
@click.option(
    "--branch", "branch_code", default=None, help="Limit an officer to one branch (code)."
)
def grant_role_command(member_number: str, role: str, branch_code: str | None) -> None:
    """Give a member a role (the first administrator is made this way)."""
    from voting.admin.services import grant_role
    from voting.errors import VotingError

    with _app() as app, _database(app).session() as session:
        branch_id = None
        if branch_code is not None:
            branch = session.scalar(select(Branch).where(Branch.code == branch_code))
            if branch is None:
                raise click.ClickException(_("unknown branch %(code)s", code=branch_code))
            branch_id = branch.id
        try:
            grant_role(session, None, member_number, Role(role), branch_id, utcnow())
        except VotingError as error:
            raise click.ClickException(str(error.message)) from error
    click.echo(_("%(number)s is now %(role)s", number=member_number, role=role))


@main.command("consensus-close-due")
def consensus_close_due() -> None:
    """Close consensus rounds and fallback votes whose deadline has passed (run every minute)."""
    from voting.consensus.record import close_everything_due

    with _app() as app, _database(app).session() as session:
        rounds, votes = close_everything_due(
            session, current_keyring(), current_settings().secret_key, utcnow()
        )
    click.echo(
        _(
            "rounds closed: %(rounds)d; fallback votes closed: %(votes)d",
            rounds=rounds,
            votes=votes,
        )
    )


@main.command("consensus-reminders")
@click.option(
    "--before-hours",
    default=24,
    show_default=True,
    type=click.IntRange(1, 24 * 14),
    help="Remind those who have not responded when this many hours are left.",
)
def consensus_reminders(before_hours: int) -> None:
    """Mail the digest of each new round and a reminder before it closes (each only once)."""
    import datetime as dt

    from voting.consensus.anonymity import RoundKeys
    from voting.consensus.notices import send_notices

    with _app() as app, _database(app).session() as session:
        try:
            result = send_notices(
                session,
                current_settings(),
                current_mailer(),
                RoundKeys(current_settings().secret_key),
                utcnow(),
                dt.timedelta(hours=before_hours),
            )
        except MailError as error:
            raise click.ClickException(_("mail server: %(error)s", error=error)) from error
    click.echo(
        _(
            "digests sent: %(digests)d; reminders sent: %(reminders)d",
            digests=result.digests,
            reminders=result.reminders,
        )
    )
