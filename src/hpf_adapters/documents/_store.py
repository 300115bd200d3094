"""The file-system document store: bytes in a content-addressed folder, metadata rows in
the SQL store's ``documents`` table, both in one unit of work."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import attrs
import sqlalchemy as sa

from hpf_adapters.documents._files import BlobFolder, Staged
from hpf_adapters.documents._kinds import recognise
from hpf_adapters.sql import SqlStore, SqlUnitOfWork
from hpf_adapters.sql import _tables as t
from hpf_adapters.sql._people import SqlDocuments
from hpf_core.errors import InputTypeError, InvalidPolicy, Violation, refusal
from hpf_core.policy import CenterPolicy
from hpf_core.ports import StoredDocument, content_hash

__all__ = ["DocumentLimits", "FileDocumentStore", "FileDocuments", "FileUnitOfWork"]


@attrs.frozen
class DocumentLimits:
    """How big one uploaded file may be (bytes) and how many files one application may
    hold: the ``[withdrawals]`` keys ``document_max_bytes`` and ``document_max_files``."""

    max_bytes: int
    max_files: int

    @classmethod
    def from_policy(cls, policy: CenterPolicy) -> DocumentLimits:
        """The limits of a centre's policy; ``InvalidPolicy`` naming the key if not set."""
        rules = policy.withdrawals
        max_bytes = None if rules is None else rules.document_max_bytes
        max_files = None if rules is None else rules.document_max_files
        if max_bytes is None:
            raise InvalidPolicy("withdrawals.document_max_bytes", "is missing (the document store needs it)")
        if max_files is None:
            raise InvalidPolicy("withdrawals.document_max_files", "is missing (the document store needs it)")
        return cls(max_bytes, max_files)


_DC = t.documents.c


class FileDocuments(SqlDocuments):
    """:class:`hpf_core.ports.DocumentStore` on the file system: ``put`` takes PDFs, JPEGs
    and PNGs only (recognised by content), within the limits; the bytes are staged to a
    temporary file at once and renamed into place when the unit of work commits."""

    def __init__(self, session: FileUnitOfWork, folder: BlobFolder, limits: DocumentLimits) -> None:
        super().__init__(session)
        self._folder = folder
        self._limits = limits
        self._uow = session

    def put(
        self, application_id: str, category: str, filename: str, content: bytes, at: datetime
    ) -> StoredDocument:
        digest, found = self._same(application_id, category, content, at)
        if found is not None:
            return found
        if len(content) > self._limits.max_bytes:
            raise refusal(
                Violation(
                    "file_too_large",
                    f"a file may be at most {self._limits.max_bytes} bytes ({len(content)} given)",
                    "content",
                )
            )
        held = self._run(
            sa.select(sa.func.count()).select_from(t.documents).where(_DC.application_id == application_id)
        ).scalar_one()
        if held >= self._limits.max_files:
            raise refusal(
                Violation(
                    "too_many_files",
                    f"an application may hold at most {self._limits.max_files} files",
                    "application_id",
                )
            )
        recognise(content)
        self._uow.stage(content)
        return self._record(application_id, category, filename, len(content), digest, at)

    def content(self, document_id: str) -> bytes:
        digest = self.get(document_id).sha256
        staged = self._uow.staged(digest)
        if staged is not None:  # put in this unit of work, not committed yet
            return staged.temporary.read_bytes()
        return self._folder.read(digest, document_id)


class FileUnitOfWork(SqlUnitOfWork):
    """A :class:`hpf_adapters.sql.SqlUnitOfWork` whose ``documents`` keep their bytes in a
    folder. ``commit`` renames the staged files into place (fsynced) and then commits the
    rows; ``rollback`` removes the staged files. A crash before the rename leaves only a
    temporary file (removed by :meth:`FileDocumentStore.sweep`), a crash between the
    rename and the commit a file no row names (removed by the same sweep)."""

    def __init__(self, store: FileDocumentStore, *, write: bool = True) -> None:
        super().__init__(store.sql, write=write)
        self._folder = store.folder
        self._staged: dict[str, Staged] = {}
        self.documents = FileDocuments(self, store.folder, store.limits)

    def stage(self, content: bytes) -> Staged:
        """Write the bytes to a temporary file for this unit of work."""
        digest = content_hash(content)
        if digest not in self._staged:
            self._staged[digest] = self._folder.stage(content)
        return self._staged[digest]

    def staged(self, sha256: str) -> Staged | None:
        """The staged file of ``sha256`` in this unit of work, if any."""
        return self._staged.get(sha256)

    def commit(self) -> None:
        staged, self._staged = list(self._staged.values()), {}
        try:
            for item in staged:
                self._folder.publish(item)
            super().commit()
        except BaseException:
            # a file renamed into place stays: another unit of work may have committed a
            # row naming the same bytes meanwhile; one no row names goes at the next sweep
            for item in staged:
                self._folder.discard(item)
            raise

    def rollback(self) -> None:
        staged, self._staged = list(self._staged.values()), {}
        for item in staged:
            self._folder.discard(item)
        super().rollback()


class FileDocumentStore:
    """Documents on the file system under ``root``, their metadata in ``sql`` (which
    holds every other port too). ``unit_of_work()`` gives a
    :class:`FileUnitOfWork`. Making one sweeps what a crash left behind
    (:meth:`sweep`)."""

    def __init__(self, sql: SqlStore, root: str | Path, limits: DocumentLimits) -> None:
        if not isinstance(sql, SqlStore):
            raise InputTypeError("sql", "must be a SqlStore", type(sql).__name__)
        if not isinstance(limits, DocumentLimits):
            raise InputTypeError("limits", "must be a DocumentLimits", type(limits).__name__)
        self.sql = sql
        self.folder = BlobFolder(root)
        self.limits = limits
        self.sweep()

    def unit_of_work(self, *, write: bool = True) -> FileUnitOfWork:
        """A new unit of work over the SQL store and the folder."""
        return FileUnitOfWork(self, write=write)

    def sweep(self, *, grace_seconds: float = 3600.0) -> tuple[int, int]:
        """Remove temporary files of processes that are gone, and stored files that no
        row names and that are older than ``grace_seconds`` (a crash between the rename
        and the commit; the grace spares an upload of another process committing now).
        Returns (temporary files removed, unnamed files removed)."""
        temporary = self.folder.sweep_temporary()
        with self.sql.unit_of_work(write=False) as uow:
            named = {row[0] for row in uow.connection().execute(sa.select(t.documents.c.sha256).distinct())}
        unnamed = 0
        now = time.time()
        for path in self.folder.files():
            if path.name.startswith(".") or path.name in named:
                continue
            with contextlib.suppress(FileNotFoundError):
                if now - os.stat(path).st_mtime >= grace_seconds:
                    path.unlink()
                    unnamed += 1
        return temporary, unnamed

    def documents_of(self, application_id: str) -> Sequence[StoredDocument]:
        """The application's committed documents (an inspection helper)."""
        with self.unit_of_work(write=False) as uow:
            return list(uow.documents.list(application_id))
