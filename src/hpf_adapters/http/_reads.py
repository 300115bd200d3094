"""How the member's read routes reach the store (D-069): one unit of work per request that
takes no write lock up front, run on a small lane of threads of their own.

``GET /me/account`` called four units of work (the record lookup, the authentication, the
caller's record, the account), each a pooled connection, a ``BEGIN IMMEDIATE`` on SQLite
(the database's one write lock, even to read) and a rollback; under 32 connections the
requests queued on that lock through SQLite's busy handler (sleeps of up to 100 ms) and on
the connection pool, and 32 threads took turns at the GIL. A read route now runs its services
over ONE unit of work that begins without the write lock (WAL readers never wait), handed
to every service that asks for a new one (:class:`Shared`), on a lane of
:data:`READ_THREADS` threads (requests beyond them wait their turn, first come first
served, on the event loop). The services are unchanged: the session is still authenticated
with every check, and its touch is still stored (once a minute, D-067) — committed in that
unit of work; should that write meet another writer's lock, the request runs again the
usual way (the services' own units of work, which wait for the lock)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self, TypeVar, cast

import anyio
import anyio.to_thread

from hpf_adapters.wiring import ATTEMPTS, App
from hpf_core.errors import ConcurrentUpdate
from hpf_core.ports import UnitOfWork

__all__ = ["READ_THREADS", "NewUnitOfWork", "Reads", "Remembered", "Shared"]

T = TypeVar("T")
NewUnitOfWork = Callable[[], UnitOfWork]

READ_THREADS = 2
"""Threads that run read routes at once in a server process (more only take turns at the
GIL: the work is Python, the SQLite reads are microseconds; D-069)."""


class Remembered:
    """A repository whose ``get`` answers a key it has already answered in this unit of
    work from memory (the route's own lookup and the services' authentication read the same
    session and member record); any other method (a save, an end) forgets what it read."""

    def __init__(self, repository: Any) -> None:
        self._repository = repository
        self._seen: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        if key not in self._seen:
            self._seen[key] = self._repository.get(key)
        return self._seen[key]

    def forget(self) -> None:
        self._seen.clear()

    def __getattr__(self, name: str) -> Any:
        self._seen.clear()
        return getattr(self._repository, name)


class Shared:
    """One open unit of work handed to every service of a request as if new: entering and
    leaving it does nothing (the request closes it), ``commit`` and ``rollback`` act on it.
    A service's ``with new_uow() as uow: ...; uow.commit()`` thus runs in the request's
    transaction, and a later service's reads begin a new one after a commit. Sessions and
    member records read twice in one transaction are read once (:class:`Remembered`)."""

    def __init__(self, outer: Any) -> None:
        self._outer = outer
        self.sessions = Remembered(outer.sessions)
        self.members = Remembered(outer.members)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._outer, name)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self.sessions.forget()
        self.members.forget()
        self._outer.commit()

    def rollback(self) -> None:
        self.sessions.forget()
        self.members.forget()
        self._outer.rollback()


def _read_units(app: App) -> NewUnitOfWork:
    """Units of work that take no write lock up front (SQL: ``write=False``, on SQLite a
    plain ``BEGIN``); the app's own elsewhere (the memory store)."""
    make: Callable[..., UnitOfWork] = app.store.unit_of_work
    if "write" in inspect.signature(make).parameters:
        return functools.partial(make, write=False)
    return app.unit_of_work


class Reads:
    """The read routes' lane: ``await reads.run(work)`` runs ``work(new_uow)`` on one of
    ``threads`` threads with ``new_uow`` handing out one shared read unit of work; a
    ``ConcurrentUpdate`` there (the touch's write met another writer) runs ``work`` again
    over the app's own units of work."""

    def __init__(self, app: App, threads: int = READ_THREADS) -> None:
        self._app = app
        self._units = _read_units(app)
        self._limiter = anyio.CapacityLimiter(threads)

    def call(self, work: Callable[[NewUnitOfWork], T]) -> T:
        """``work`` over one shared read unit of work, in this thread."""
        try:
            with self._units() as uow:
                shared = cast(UnitOfWork, Shared(uow))
                return work(lambda: shared)
        except ConcurrentUpdate:
            pass
        for attempt in range(1, ATTEMPTS + 1):  # as the app's bound services retry
            try:
                return work(self._app.unit_of_work)
            except ConcurrentUpdate:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def run(self, work: Callable[[NewUnitOfWork], T]) -> T:
        """:meth:`call` on the read lane."""
        return await anyio.to_thread.run_sync(self.call, work, limiter=self._limiter)
