"""The composition root builds the ISO 20022 file channel and the file-system document
store when asked (issue #15, D-056)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from hpf_adapters.documents import FileUnitOfWork
from hpf_adapters.iso20022 import FileChannel
from hpf_adapters.wiring import Config, build
from hpf_core.errors import InputError, PaymentTimeout, Refused

AT = datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=8)))


def test_the_file_channel_and_the_document_folder_are_built_from_the_config(tmp_path: Path) -> None:
    app = build(
        Config(
            centre="altay", store="sql", url=str(tmp_path / "hpf.db"), key=b"k" * 32, migrate=True,
            clock=AT, password_cost=2**10, bank="iso20022", payment_log=str(tmp_path / "payments.db"),
            payer_account="107100000000000001", payer_bank="中国工商银行阿勒泰分行",
            documents=str(tmp_path / "documents"),
        )
    )  # fmt: skip
    assert isinstance(app.bank, FileChannel)
    with pytest.raises(PaymentTimeout):
        app.bank.transfer(
            payment_id="WD-W1", card_number="6222021234567890128", amount=Decimal("1.00"), memo="m"
        )
    written = app.bank.write_file(at=AT, execute_on=date(2026, 1, 6))
    assert written is not None
    assert "阿勒泰地区住房公积金管理中心".encode() in written.content  # the centre's name from its policy
    assert b"6222021234567890128" in written.content  # the bank needs the card in its file ...
    log = b"".join(p.read_bytes() for p in tmp_path.glob("payments.db*"))
    assert log
    assert b"6222021234567890128" not in log  # ... the payment log keeps it sealed
    uow = app.unit_of_work()
    assert isinstance(uow, FileUnitOfWork)
    with uow, pytest.raises(Refused):  # altay's policy: at most 10,485,760 bytes a file
        uow.documents.put("W1", "退休证", "big.pdf", b"%PDF-1.4\n" + bytes(10 << 20) + b"%%EOF\n", AT)


def test_incomplete_choices_are_refused_naming_the_field() -> None:
    with pytest.raises(InputError, match="documents"):
        Config(centre="altay", documents="/tmp/x")
    with pytest.raises(InputError, match="payment_log"):
        Config(centre="altay", bank="iso20022")
