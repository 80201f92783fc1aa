"""``flask course export SLUG DIR``: write a module from the database in the ``modules/`` format."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from app.author.export import ExportError, write_module
from app.cli import course_cli
from app.extensions import db
from app.models import Module


@course_cli.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False))
def course_export(slug: str, directory: str) -> None:
    """Write the module SLUG into DIRECTORY/NN-slug/ (module.yml, lessons, quiz.yml).

    Course files already in that folder are replaced; importing the folder gives back the same module.
    """
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is None:
        raise click.ClickException(f"No module has the slug '{slug}'.")
    try:
        folder = write_module(db.session, module, Path(directory))
    except (ExportError, OSError) as error:
        raise click.ClickException(f"Nothing exported: {error}") from None
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    click.echo(f"Exported '{slug}' to {folder}: {', '.join(files)}.")
    click.echo(f"Check it with: flask course validate {directory}")
