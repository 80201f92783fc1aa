"""`flask backup create|verify` and `flask data copy`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from app.models import Base
from app.ops.backup import BackupError, create_backup, verify_backup
from app.ops.datacopy import copy_data

backup_cli = AppGroup("backup", help="Back up the database and check backups.")
data_cli = AppGroup("data", help="Move a site's data between databases.")


@backup_cli.command("create")
@click.option("--dir", "directory", default=None, help="Where to write it (default: instance/backups).")
def backup_create(directory: str | None) -> None:
    """Write a consistent copy of the database (safe while the app runs)."""
    target_dir = Path(directory) if directory else Path(current_app.instance_path) / "backups"
    try:
        path = create_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], target_dir)
        result = verify_backup(path, current_app.config["SQLALCHEMY_DATABASE_URI"])
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written: {path} ({path.stat().st_size:,} bytes, {result.total_rows:,} rows, verified)")


@backup_cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False))
def backup_verify(file: str) -> None:
    """Check that a backup opens, and count the rows of each table."""
    try:
        result = verify_backup(Path(file), current_app.config["SQLALCHEMY_DATABASE_URI"])
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    for table, rows in result.tables.items():
        click.echo(f"{table:<28}{rows:>10,}")
    click.echo(f"OK: {len(result.tables)} tables, {result.total_rows:,} rows.")


@data_cli.command("copy")
@click.option("--to", "target_url", required=True, help="The target database URL (a new, empty database).")
def data_copy(target_url: str) -> None:
    """Copy every table from this site's database to another, then compare row counts.

    The target is first built by the migrations, so both databases have the same schema.
    """
    from app import create_app
    from app.config import _normalise_database_url

    target_url = _normalise_database_url(target_url)
    source_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if target_url == source_url:
        raise click.ClickException("the target is this site's own database")
    target_app = create_app({"SQLALCHEMY_DATABASE_URI": target_url, "SECRET_KEY": current_app.config["SECRET_KEY"]})
    with target_app.app_context():
        upgrade()
    try:
        report = copy_data(source_url, target_url, Base.metadata, lambda t, n: click.echo(f"copied {t:<28}{n:>10,}"))
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    total = sum(source for source, _ in report.counts.values())
    click.echo(f"OK: {len(report.counts)} tables, {total:,} rows; every table's row count matches.")
