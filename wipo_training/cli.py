"""Command-line tools: ``flask users``, ``flask tokens``, ``flask demo``, ``flask worker``,
``flask backup``, ``flask restore``."""

import time
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from .auth import services as auth_services
from .auth.models import Role
from .demo import DEMO_PASSWORD, DEMO_TOTP_SECRETS, DEMO_USERS, database_is_empty, load_demo
from .extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


def _user_or_fail(email: str):
    user = auth_services.user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--name", prompt="Display name", help="The name shown in the app.")
@click.option("--role", type=click.Choice([r.value for r in Role]), prompt=True, help="Role.")
@click.password_option(help="Asked for when not given.")
def create_user(email, name, role, password):
    """Create an account with EMAIL, asking for the password."""
    try:
        user = auth_services.create_user(None, email, name, role, password)
    except auth_services.AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option()
def set_password(email, password):
    """Set the password of EMAIL; every session of that user ends."""
    user = _user_or_fail(email)
    try:
        auth_services.set_password(None, user, password)
    except auth_services.AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Password of {user.email} changed.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email):
    """Deactivate EMAIL: sign-in refused, every session and token stops working."""
    user = _user_or_fail(email)
    auth_services.update_user(None, user, user.display_name, user.role, False)
    db.session.commit()
    click.echo(f"{user.email} deactivated.")


@users_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email):
    """Remove the second factor of EMAIL (a lost phone, and no other administrator to do it):
    every session ends; a role that requires one sets up a new one at the next sign-in."""
    from .auth import two_factor

    user = _user_or_fail(email)
    try:
        two_factor.reset(None, user)
    except auth_services.AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Second factor of {user.email} removed.")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def create_token(email, name):
    """Create an API token for EMAIL and print it (on the last line); it is shown only once."""
    user = _user_or_fail(email)
    try:
        token = auth_services.create_api_token(user, name)
    except auth_services.AuthError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"API token for {user.email} (store it now; it is not shown again):")
    click.echo(token)


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Load only into a database with no accounts.")
@click.option(
    "--scale",
    type=click.FloatRange(min=0.01, max=20),
    help="Also add synthetic history: at 1, 20 years of courses (400 courses, 12,000 "
    "enrolments, 150,000 evaluation answers) and 100 working-group meetings.",
)
def demo(if_empty, scale):
    """Load the demo data (idempotent)."""
    if if_empty and not database_is_empty():
        click.echo("The database already has data; demo data not loaded.")
    else:
        created = load_demo()
        db.session.commit()
        click.echo(
            f"Demo data loaded ({len(created)} accounts created). Participant names are fictional."
        )
    if scale:
        from .database import refresh_statistics
        from .demo.scale import history_loaded, load_history

        if history_loaded():
            click.echo("The synthetic history is already there; nothing added.")
        else:
            started = time.perf_counter()
            added = load_history(scale)
            db.session.commit()
            refresh_statistics()
            counts = ", ".join(f"{number:,} {name}" for name, number in added.items())
            click.echo(
                f"Synthetic history added in {time.perf_counter() - started:.1f} s: {counts}."
            )
    present = [(auth_services.user_by_email(e), r) for e, _n, r in DEMO_USERS]
    present = [(user, role) for user, role in present if user is not None]
    if present:
        click.echo(f"Demo accounts, password {DEMO_PASSWORD}; authenticator app key (TOTP):")
        for user, role in present:
            key = DEMO_TOTP_SECRETS.get(user.email)
            if key and user.totp_secret == key:
                second = f"key {key}  (oathtool --totp -b {key})"
            elif user.has_second_factor:
                second = "their own authenticator app"
            else:
                second = "no second factor"
            click.echo(f"  {role:<12} {user.email:<22} {second}")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@with_appcontext
def worker(workers):
    """Run the background job worker (certificate batches)."""
    from flask import current_app

    from .jobs import run_worker

    run_worker(current_app._get_current_object(), workers)


@click.command("backup")
@click.option(
    "--to", "target", type=click.Path(dir_okay=False, path_type=Path), help="The archive to write."
)
@with_appcontext
def backup_command(target):
    """Write a consistent backup (database and stored files) while the app runs, readable by
    its owner only. The instance folder's secret key is not in it: keep that apart."""
    from . import backup

    try:
        path = backup.backup(target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Backup written to {path} ({path.stat().st_size / 1024:.0f} KiB, readable by its "
        "owner only; the secret key is not in it)."
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(archive, yes):
    """Bring back a backup written by `flask backup`, once it is checked whole (its members,
    its manifest, this version's schema revision, its rows per table). The current data is
    backed up first."""
    from . import backup

    try:
        manifest = backup.verify(archive)
        rows = sum(manifest["rows"].values())
        if not yes:
            click.confirm(
                f"Replace all data with the backup of {manifest['created_at']} ({rows} rows)?",
                abort=True,
            )
        safety = backup.backup()
        click.echo(f"The current data is kept in {safety}.")
        backup.restore(archive)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored the backup of {manifest['created_at']} ({rows} rows).")


def register_cli(app) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo)
    app.cli.add_command(worker)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
