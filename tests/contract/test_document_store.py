"""DocumentStore contract: files per application and category, named by content hash.

Runs on every unit of work (memory, SQLite, PostgreSQL, MariaDB) and on the file-system
store of ``hpf_adapters.documents`` (fixture ``documents_uow``); the files are real PDFs
since that store takes images and PDFs only."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from hpf_core.errors import InputError, UnknownRecord
from hpf_core.ports import UnitOfWork

NewUnitOfWork = Callable[[], UnitOfWork]
AT = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
SCAN = b"%PDF-1.4\n% retirement certificate\n%%EOF\n"
PAGE_2 = b"%PDF-1.4\n% page 2\n%%EOF\n"


class TestDocumentStore:
    def test_a_file_is_stored_with_its_sha256_and_read_back_byte_for_byte(
        self, documents_uow: NewUnitOfWork
    ) -> None:
        with documents_uow() as uow:
            doc = uow.documents.put("W1", "退休证", "scan.pdf", SCAN, AT)
            uow.commit()
        assert doc.sha256 == hashlib.sha256(SCAN).hexdigest()
        assert (doc.application_id, doc.category, doc.filename, doc.size) == (
            "W1",
            "退休证",
            "scan.pdf",
            len(SCAN),
        )
        with documents_uow() as uow:
            assert uow.documents.get(doc.document_id) == doc
            assert uow.documents.content(doc.document_id) == SCAN
            with pytest.raises(UnknownRecord):
                uow.documents.get("D-nope")
            with pytest.raises(UnknownRecord):
                uow.documents.content("D-nope")

    def test_the_same_bytes_again_in_the_same_place_are_one_file(self, documents_uow: NewUnitOfWork) -> None:
        with documents_uow() as uow:
            first = uow.documents.put("W1", "退休证", "scan.pdf", SCAN, AT)
            retry = uow.documents.put("W1", "退休证", "scan (1).pdf", SCAN, AT + timedelta(seconds=5))
            elsewhere = uow.documents.put("W1", "身份证", "scan.pdf", SCAN, AT)
            other = uow.documents.put("W1", "退休证", "page2.pdf", PAGE_2, AT)
            assert retry == first
            assert elsewhere.document_id != first.document_id
            assert list(uow.documents.list("W1", "退休证")) == [first, other]
            assert list(uow.documents.list("W1")) == [first, elsewhere, other]
            assert list(uow.documents.list("W2")) == []

    def test_empty_content_is_refused_and_uncommitted_files_are_forgotten(
        self, documents_uow: NewUnitOfWork
    ) -> None:
        with documents_uow() as uow:
            with pytest.raises(InputError):
                uow.documents.put("W1", "退休证", "empty.pdf", b"", AT)
            uow.documents.put("W1", "退休证", "scan.pdf", SCAN, AT)
        with documents_uow() as uow:
            assert list(uow.documents.list("W1")) == []
