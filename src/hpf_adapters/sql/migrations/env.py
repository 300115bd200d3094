"""Alembic environment of hpf's shipped migrations: the URL comes from the caller
(``hpf db upgrade --url``), the target metadata from ``hpf_adapters.sql``."""

from __future__ import annotations

from alembic import context

from hpf_adapters.sql._engine import engine_for
from hpf_adapters.sql._tables import metadata

url = context.config.attributes["url"]
engine = engine_for(url.render_as_string(hide_password=False))
try:
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
finally:
    engine.dispose()
