"""The file-system document store (issue #15, D-056): images and PDFs only, recognised by
content; the size and count limits of the centre's policy; an upload killed half way
(SIGKILL of a child process) leaves no file and no record."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import textwrap
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from hpf_adapters.documents import DocumentLimits, FileDocumentStore, FileKind, recognise
from hpf_adapters.policies import load_policy
from hpf_adapters.sql import Keyring, SqlStore
from hpf_core.errors import InputError, InvalidPolicy, Refused
from hpf_core.policy import parse_policy

AT = datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=8)))
KEY = b"hpf document tests: not a real key"
MIB = 1024 * 1024
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ROOT = Path(__file__).resolve().parents[2]


def png(width: int, height: int) -> bytes:
    """A real 8-bit greyscale PNG, built here from the PNG specification."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(width) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def jpeg(width: int, height: int) -> bytes:
    """A JPEG's header as a camera writes it: SOI, APP0 (JFIF), a quantisation table and
    the baseline frame header (SOF0) that holds the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(range(1, 65))
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + dqt + sof0 + b"\xff\xd9"


ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(200)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00" + bytes(200)


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    db, folder = tmp_path / "hpf.db", tmp_path / "documents"
    sql = SqlStore(str(db), Keyring.from_secret(KEY))
    sql.create_schema()
    sql.dispose()
    return db, folder


def open_store(db: Path, folder: Path, limits: DocumentLimits | None = None) -> FileDocumentStore:
    sql = SqlStore(str(db), Keyring.from_secret(KEY))
    return FileDocumentStore(sql, folder, limits or DocumentLimits(10 * MIB, 40))


def rows(db: Path) -> list[tuple[str, str]]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        query = "SELECT application_id, filename FROM documents"
        found = [(r[0], r[1]) for r in connection.exec_driver_sql(query)]
    engine.dispose()
    return found


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


class TestRecognisedByContent:
    def test_pdf_png_and_jpeg_are_recognised_with_their_version_or_size(self) -> None:
        assert recognise(PDF) == FileKind("application/pdf", version="1.7")
        assert recognise(png(3, 2)) == FileKind("image/png", 3, 2)
        assert recognise(jpeg(640, 480)) == FileKind("image/jpeg", 640, 480)

    @pytest.mark.parametrize(
        "content",
        [ELF, PE, b"GIF89a" + bytes(20), b"PK\x03\x04" + bytes(40), b"plain text, not a scan"],
        ids=["elf", "windows-exe", "gif", "zip", "text"],
    )
    def test_anything_else_is_refused(self, content: bytes) -> None:
        with pytest.raises(InputError, match="not an image or PDF"):
            recognise(content)

    @pytest.mark.parametrize(
        "content",
        [
            b"%PDF-1.4\n1 0 obj <<>> endobj\n",  # cut off: no %%EOF
            b"%PDF-9.9\n%%EOF\n",  # no such version
            b"\x89PNG\r\n\x1a\n" + bytes(40),  # no IHDR
            png(0, 5),  # no pixels
            b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + bytes(14) + b"\xff\xd9",  # no frame header
        ],
        ids=["pdf-cut", "pdf-version", "png-no-ihdr", "png-empty", "jpeg-no-frame"],
    )
    def test_a_header_that_does_not_parse_is_refused(self, content: bytes) -> None:
        with pytest.raises(InputError):
            recognise(content)


class TestTheStore:
    def test_an_executable_renamed_jpg_is_refused_and_nothing_is_left(self, paths: tuple[Path, Path]) -> None:
        db, folder = paths
        store = open_store(db, folder)
        for exe in (ELF, PE):
            with store.unit_of_work() as uow, pytest.raises(InputError, match="not an image or PDF"):
                uow.documents.put("W1", "身份证", "身份证正面.jpg", exe, AT)
        assert (rows(db), files(folder)) == ([], [])
        # what counts is the content: a PDF named .jpg and a JPEG named .pdf are taken
        with store.unit_of_work() as uow:
            uow.documents.put("W1", "身份证", "photo.jpg", PDF, AT)
            uow.documents.put("W1", "身份证", "scan.pdf", jpeg(800, 600), AT)
            uow.commit()
        assert rows(db) == [("W1", "photo.jpg"), ("W1", "scan.pdf")]

    def test_ten_mib_is_taken_and_one_byte_more_is_refused(self, paths: tuple[Path, Path]) -> None:
        db, folder = paths
        store = open_store(db, folder)
        head, tail = b"%PDF-1.4\n%", b"\n%%EOF\n"
        exactly = head + b"a" * (10 * MIB - len(head) - len(tail)) + tail
        assert len(exactly) == 10_485_760
        too_big = head + b"a" * (10 * MIB + 1 - len(head) - len(tail)) + tail
        assert len(too_big) == 10_485_761
        with store.unit_of_work() as uow:
            with pytest.raises(Refused) as refused:
                uow.documents.put("W1", "退休证", "big.pdf", too_big, AT)
            assert refused.value.codes == ("file_too_large",)
            doc = uow.documents.put("W1", "退休证", "max.pdf", exactly, AT)
            uow.commit()
        assert rows(db) == [("W1", "max.pdf")]
        assert files(folder) == [doc.sha256]
        assert store.folder.path(doc.sha256).stat().st_size == 10_485_760

    def test_the_count_limit_counts_an_applications_files(self, paths: tuple[Path, Path]) -> None:
        db, folder = paths
        store = open_store(db, folder, DocumentLimits(MIB, 2))
        with store.unit_of_work() as uow:
            uow.documents.put("W1", "a", "1.png", png(1, 1), AT)
            uow.documents.put("W1", "b", "2.png", png(2, 1), AT)
            again = uow.documents.put("W1", "a", "1 (retry).png", png(1, 1), AT)  # a retry is not a new file
            assert again.filename == "1.png"
            with pytest.raises(Refused) as refused:
                uow.documents.put("W1", "a", "3.png", png(3, 1), AT)
            assert refused.value.codes == ("too_many_files",)
            uow.documents.put("W2", "a", "3.png", png(3, 1), AT)  # another application has its own
            uow.commit()
        assert len(rows(db)) == 3

    def test_a_unit_of_work_that_fails_leaves_no_file(self, paths: tuple[Path, Path]) -> None:
        db, folder = paths
        store = open_store(db, folder)
        staged: list[str] = []

        def fail_after_the_upload() -> None:
            with store.unit_of_work() as uow:
                uow.documents.put("W1", "a", "1.png", png(4, 4), AT)
                staged.extend(files(folder))  # a temporary file
                raise RuntimeError("the request failed after the upload")

        with pytest.raises(RuntimeError):
            fail_after_the_upload()
        assert len(staged) == 1
        assert (rows(db), files(folder)) == ([], [])

    def test_limits_come_from_the_centre_policy(self) -> None:
        assert DocumentLimits.from_policy(load_policy("altay")) == DocumentLimits(10_485_760, 40)
        with pytest.raises(InvalidPolicy, match=r"withdrawals\.document_max_bytes"):
            DocumentLimits.from_policy(load_policy("beijing"))
        text = (ROOT / "src/hpf_adapters/policies/altay.toml").read_text(encoding="utf-8")
        with pytest.raises(InvalidPolicy, match="document_max_byte"):  # a typo is an unknown key
            parse_policy(text.replace("document_max_bytes =", "document_max_byte ="))
        with pytest.raises(InvalidPolicy, match=r"withdrawals\.document_max_files"):
            parse_policy(text.replace("document_max_files = 40", "document_max_files = 0"))


CHILD = """
import sys, time
from pathlib import Path
from datetime import datetime, timedelta, timezone
from hpf_adapters.documents import DocumentLimits, FileDocumentStore, _files
from hpf_adapters.sql import Keyring, SqlStore, SqlUnitOfWork

db, folder, stage = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

def hang(note):
    print(note, flush=True)
    time.sleep(120)

if stage == "write":
    import os
    def half_then_hang(descriptor, content):
        os.write(descriptor, content[: len(content) // 2])
        hang("HALF")
    _files._write_all = half_then_hang
else:
    real_commit = SqlUnitOfWork.commit
    def renamed_then_hang(self):
        hang("RENAMED")
    SqlUnitOfWork.commit = renamed_then_hang

store = FileDocumentStore(SqlStore(str(db), Keyring.from_secret(%r)), folder, DocumentLimits(10 << 20, 40))
at = datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=8)))
content = b"%%PDF-1.4\\n%%" + b"x" * (4 << 20) + b"\\n%%%%EOF\\n"
with store.unit_of_work() as uow:
    uow.documents.put("W1", "退休证", "scan.pdf", content, at)
    uow.commit()
"""


def kill_child_at(db: Path, folder: Path, stage: str) -> None:
    """Run an upload in a child process, SIGKILL it at ``stage`` and wait for it to die."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD % KEY), str(db), str(folder), stage],
        stdout=subprocess.PIPE,
        env=env,
    ) as child:
        assert child.stdout is not None
        line = child.stdout.readline().decode().strip()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert line == ("HALF" if stage == "write" else "RENAMED"), line
    assert child.returncode == -signal.SIGKILL


class TestCrashes:
    def test_a_kill_half_way_through_the_write_leaves_no_file_and_no_record(
        self, paths: tuple[Path, Path]
    ) -> None:
        db, folder = paths
        kill_child_at(db, folder, "write")
        left = files(folder)
        assert len(left) == 1
        assert left[0].endswith(".part")  # the half-written temporary file
        assert rows(db) == []
        open_store(db, folder)  # opening the store sweeps what the dead process left
        assert (files(folder), rows(db)) == ([], [])

    def test_a_kill_between_the_rename_and_the_commit_leaves_no_record_and_the_sweep_removes_the_file(
        self, paths: tuple[Path, Path]
    ) -> None:
        db, folder = paths
        kill_child_at(db, folder, "commit")
        assert rows(db) == []
        assert len(files(folder)) == 1  # renamed into place, but no row names it
        store = open_store(db, folder)
        assert len(files(folder)) == 1  # within the grace period another upload may be committing
        assert store.sweep(grace_seconds=0) == (0, 1)
        assert (files(folder), rows(db)) == ([], [])
