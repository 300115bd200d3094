"""The shipped Alembic migrations (``migrations/``), run programmatically."""

from __future__ import annotations

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(url: str) -> object:
    from alembic.config import Config

    from hpf_adapters.sql._engine import sqlalchemy_url

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = sqlalchemy_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (the latest by default)."""
    from alembic import command

    command.upgrade(_config(url), revision)  # type: ignore[arg-type]


def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` back to ``revision`` (``"base"``: no hpf tables)."""
    from alembic import command

    command.downgrade(_config(url), revision)  # type: ignore[arg-type]


def current(url: str) -> str | None:
    """The database's revision (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    from hpf_adapters.sql._engine import engine_for

    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str | None:
    """The newest shipped revision."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()
