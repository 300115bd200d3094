"""Members' uploaded documents (档案上传) on the file system (extra ``hpf[documents]``:
``filetype``; metadata in the SQL store), issue #15, D-056.

The bytes live in a content-addressed folder (``<root>/<aa>/<bb>/<sha256>``); each
document's row lives in the SQL store's ``documents`` table, in the same unit of work.
Only PDFs, JPEGs and PNGs are taken, recognised by their content (:func:`recognise`: the
``filetype`` magic numbers, then the PDF header and end marker or the image's size), never
by their name; the size of a file and the number per application come from the centre's
policy (:class:`DocumentLimits`). An upload that fails half way leaves nothing behind.

>>> import tempfile, pathlib
>>> from datetime import datetime, timedelta, timezone
>>> from hpf_adapters.sql import Keyring, SqlStore
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> sql = SqlStore(str(folder / "hpf.db"), Keyring.from_secret(b"k" * 32))
>>> sql.create_schema()
>>> store = FileDocumentStore(sql, folder / "documents", DocumentLimits(10 * 1024 * 1024, 40))
>>> at = datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=8)))
>>> with store.unit_of_work() as uow:
...     doc = uow.documents.put("W1", "退休证", "scan.pdf", b"%PDF-1.4\\n%%EOF\\n", at)
...     uow.commit()
>>> store.folder.path(doc.sha256).read_bytes()
b'%PDF-1.4\\n%%EOF\\n'
>>> sql.dispose()
"""

from __future__ import annotations

from hpf_adapters.documents._kinds import ACCEPTED_TYPES, FileKind, recognise
from hpf_adapters.documents._store import DocumentLimits, FileDocuments, FileDocumentStore, FileUnitOfWork

__all__ = [
    "ACCEPTED_TYPES",
    "DocumentLimits",
    "FileDocumentStore",
    "FileDocuments",
    "FileKind",
    "FileUnitOfWork",
    "recognise",
]
