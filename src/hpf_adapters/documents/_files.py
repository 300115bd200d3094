"""A content-addressed folder: each file's bytes at ``<root>/<aa>/<bb>/<sha256>``, written
to a temporary file in the same folder, flushed to disk (fsync) and renamed into place,
so a file is either whole under its name or not there."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import attrs

from hpf_core.errors import UnknownRecord
from hpf_core.ports import content_hash

__all__ = ["BlobFolder", "Staged"]

_PART = ".part"
_CHUNK = 1 << 20


@attrs.frozen
class Staged:
    """Bytes written to a temporary file, not yet under their name."""

    sha256: str
    temporary: Path
    final: Path


def _write_all(descriptor: int, content: bytes) -> None:
    """Write every byte (in 1 MiB pieces; a test replaces this to crash half way)."""
    view = memoryview(content)
    while view:
        written = os.write(descriptor, view[:_CHUNK])
        view = view[written:]


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


class BlobFolder:
    """The folder of a file-system document store."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        """Where the bytes of ``sha256`` live."""
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def stage(self, content: bytes) -> Staged:
        """Write ``content`` to a temporary file beside its final place and fsync it."""
        digest = content_hash(content)
        final = self.path(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        temporary = final.parent / f".{digest[:16]}.{os.getpid()}.{secrets.token_hex(4)}{_PART}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(descriptor, content)
            os.fsync(descriptor)
        except BaseException:
            os.close(descriptor)
            temporary.unlink(missing_ok=True)
            raise
        os.close(descriptor)
        return Staged(digest, temporary, final)

    def publish(self, staged: Staged) -> bool:
        """Rename the temporary file into place (atomic) and fsync the folder; True if this
        made the file, False if the same bytes were already there."""
        if staged.final.exists():
            staged.temporary.unlink(missing_ok=True)
            # fresh again: a sweep spares it for its grace period while our row commits
            os.utime(staged.final)
            return False
        os.replace(staged.temporary, staged.final)
        _fsync_folder(staged.final.parent)
        return True

    def discard(self, staged: Staged, *, published: bool = False) -> None:
        """Forget a staged file (and the published one if this stage made it)."""
        staged.temporary.unlink(missing_ok=True)
        if published:
            staged.final.unlink(missing_ok=True)

    def read(self, sha256: str, document_id: str) -> bytes:
        """The bytes of ``sha256``; ``UnknownRecord`` naming the document if missing."""
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise UnknownRecord("document_id", "the document's bytes are missing", document_id) from None

    def files(self) -> Iterator[Path]:
        """Every file under the root, temporary ones included."""
        for folder, _, names in os.walk(self.root):
            for name in names:
                yield Path(folder) / name

    def sweep_temporary(self) -> int:
        """Remove the temporary files of processes that are gone (a crash half way through
        an upload); the number removed."""
        removed = 0
        for path in self.files():
            if not path.name.endswith(_PART):
                continue
            parts = path.name.split(".")
            pid = int(parts[2]) if len(parts) > 3 and parts[2].isdigit() else 0
            if pid and _alive(pid):
                continue  # an upload in flight (this process's included)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed
