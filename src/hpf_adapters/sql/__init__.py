"""SQL storage (SQLite, PostgreSQL, MariaDB/MySQL) for every storage port of
``hpf_core.ports``, through one SQLAlchemy 2 Core implementation (D-044).

- :class:`SqlStore` — the database and the keys; :meth:`SqlStore.unit_of_work` gives a
  :class:`SqlUnitOfWork` (every repository), :meth:`SqlStore.code_store` a
  :class:`SqlCodeStore` (the verification codes).
- :class:`Keyring` — AES-GCM keys of personal data at rest and the HMAC lookup key.
- :func:`engine_for` / :func:`sqlalchemy_url` — a URL (or an SQLite path) to an engine.
- :func:`upgrade` / :func:`downgrade` / :func:`current` — the shipped Alembic migrations (``hpf db``).

Needs the ``sql`` extra (``pip install 'hpf[sql]'``; ``hpf[postgres]``, ``hpf[mysql]``
add the drivers).
"""

from __future__ import annotations

from hpf_adapters.sql._codec import Keyring
from hpf_adapters.sql._codes import SqlCodeStore
from hpf_adapters.sql._engine import engine_for, sqlalchemy_url
from hpf_adapters.sql._migrate import current, downgrade, upgrade
from hpf_adapters.sql._store import SqlStore, SqlUnitOfWork
from hpf_adapters.sql._tables import metadata

__all__ = [
    "Keyring",
    "SqlCodeStore",
    "SqlStore",
    "SqlUnitOfWork",
    "current",
    "downgrade",
    "engine_for",
    "metadata",
    "sqlalchemy_url",
    "upgrade",
]
