"""pain.001 (credit transfer initiation) and pain.002 (payment status report) files,
written and read with the standard library's ElementTree and checked by ``xmlschema``
against the published schemas shipped in ``schemas/`` (see ``schemas/SOURCE.md``)."""

from __future__ import annotations

import functools
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import xmlschema

from hpf_core.errors import InputError

__all__ = [
    "PAIN001",
    "PAIN002",
    "CreditTransfer",
    "Debtor",
    "StatusLine",
    "StatusReport",
    "TransferFile",
    "parse_pain001",
    "parse_pain002",
    "render_pain001",
    "render_pain002",
    "schema",
]

PAIN001 = "pain.001.001.03"
PAIN002 = "pain.002.001.03"
_SCHEMAS = Path(__file__).parent / "schemas"
ACCEPTED_CODES = frozenset({"ACCP", "ACSC", "ACSP", "ACWC"})
"""Transaction statuses that mean the bank took the payment (accepted for execution,
settled on the debtor's account, in settlement, accepted with change)."""
REJECTED_CODE = "RJCT"


@functools.cache
def schema(message: str) -> xmlschema.XMLSchema:
    """The published XSD of ``message`` (``pain.001.001.03`` or ``pain.002.001.03``)."""
    if message not in (PAIN001, PAIN002):
        raise InputError("message", "must be pain.001.001.03 or pain.002.001.03", message)
    return xmlschema.XMLSchema(str(_SCHEMAS / f"{message}.xsd"))


def _ns(message: str) -> str:
    return f"urn:iso:std:iso:20022:tech:xsd:{message}"


def _checked(content: bytes, message: str) -> ET.Element:
    """Parse ``content`` (no DTD, no entity, no remote access) and validate it against the
    message's schema; ``InputError`` naming the first problem."""
    if not isinstance(content, bytes) or not content:
        raise InputError("content", f"must be a non-empty {message} XML file")
    try:
        resource = xmlschema.XMLResource(io.BytesIO(content), defuse="always", allow="none")
        errors = list(schema(message).iter_errors(resource))
    except (xmlschema.XMLSchemaException, ET.ParseError, ValueError) as exc:
        raise InputError("content", f"is not a readable {message} file: {type(exc).__name__}") from exc
    if errors:
        raise InputError("content", f"does not validate against {message}.xsd: {errors[0].reason}")
    root = resource.root
    if not isinstance(root, ET.Element):  # pragma: no cover - XMLResource always gives one
        raise InputError("content", f"is not a {message} file")
    return root


@attrs.frozen
class Debtor:
    """The paying centre: its name, its account at the bank and the bank's name."""

    name: str
    account: str
    bank: str
    currency: str = "CNY"


@attrs.frozen
class CreditTransfer:
    """One payment of a file: the end-to-end id is the payment id."""

    end_to_end_id: str
    card_number: str = attrs.field(repr=False)
    amount: Decimal
    memo: str


@attrs.frozen
class TransferFile:
    """A pain.001 message: its id, creation time, execution date and payments."""

    message_id: str
    created_at: datetime
    execute_on: date
    debtor: Debtor
    transfers: tuple[CreditTransfer, ...]

    @property
    def total(self) -> Decimal:
        """The control sum (CtrlSum): the sum of the amounts."""
        return sum((t.amount for t in self.transfers), Decimal("0.00"))


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = _NOT_XML.sub(" ", text)  # characters XML 1.0 cannot carry
    return element


def _other_id(parent: ET.Element, tag: str, value: str) -> None:
    _sub(_sub(_sub(_sub(parent, tag), "Id"), "Othr"), "Id", value)


def _instant(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def render_pain001(batch: TransferFile) -> bytes:
    """The pain.001.001.03 XML of ``batch``, checked against the schema (``InputError`` if
    it does not validate: a field too long, an empty batch)."""
    root = ET.Element("Document", {"xmlns": _ns(PAIN001)})
    body = _sub(root, "CstmrCdtTrfInitn")
    count, total = str(len(batch.transfers)), f"{batch.total:.2f}"
    header = _sub(body, "GrpHdr")
    _sub(header, "MsgId", batch.message_id)
    _sub(header, "CreDtTm", _instant(batch.created_at))
    _sub(header, "NbOfTxs", count)
    _sub(header, "CtrlSum", total)
    _sub(_sub(header, "InitgPty"), "Nm", batch.debtor.name)
    info = _sub(body, "PmtInf")
    _sub(info, "PmtInfId", batch.message_id)
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "BtchBookg", "true")
    _sub(info, "NbOfTxs", count)
    _sub(info, "CtrlSum", total)
    _sub(info, "ReqdExctnDt", batch.execute_on.isoformat())
    _sub(_sub(info, "Dbtr"), "Nm", batch.debtor.name)
    account = _sub(info, "DbtrAcct")
    _sub(_sub(_sub(account, "Id"), "Othr"), "Id", batch.debtor.account)
    _sub(account, "Ccy", batch.debtor.currency)
    _sub(_sub(_sub(info, "DbtrAgt"), "FinInstnId"), "Nm", batch.debtor.bank)
    _sub(info, "ChrgBr", "SLEV")
    for transfer in batch.transfers:
        line = _sub(info, "CdtTrfTxInf")
        _sub(_sub(line, "PmtId"), "EndToEndId", transfer.end_to_end_id)
        _sub(_sub(line, "Amt"), "InstdAmt", f"{transfer.amount:.2f}", Ccy=batch.debtor.currency)
        _other_id(line, "CdtrAcct", transfer.card_number)
        _sub(_sub(line, "RmtInf"), "Ustrd", transfer.memo[:140] or "-")
    content: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    _checked(content, PAIN001)
    return content


def _text(element: ET.Element, path: str, ns: dict[str, str]) -> str:
    found = element.findtext(path, namespaces=ns)
    return "" if found is None else found.strip()


def parse_pain001(content: bytes) -> TransferFile:
    """Read a pain.001.001.03 file (the bank's side): ``InputError`` if it does not
    validate. Every payment information block is read, in order."""
    root = _checked(content, PAIN001)
    ns = {"p": _ns(PAIN001)}
    body = root.find("p:CstmrCdtTrfInitn", ns)
    assert body is not None  # the schema requires it
    transfers: list[CreditTransfer] = []
    execute_on, debtor = date.min, Debtor("", "", "")
    for info in body.findall("p:PmtInf", ns):
        execute_on = date.fromisoformat(_text(info, "p:ReqdExctnDt", ns))
        debtor = Debtor(
            _text(info, "p:Dbtr/p:Nm", ns),
            _text(info, "p:DbtrAcct/p:Id/p:Othr/p:Id", ns),
            _text(info, "p:DbtrAgt/p:FinInstnId/p:Nm", ns),
        )
        for line in info.findall("p:CdtTrfTxInf", ns):
            transfers.append(
                CreditTransfer(
                    _text(line, "p:PmtId/p:EndToEndId", ns),
                    _text(line, "p:CdtrAcct/p:Id/p:Othr/p:Id", ns),
                    Decimal(_text(line, "p:Amt/p:InstdAmt", ns)),
                    _text(line, "p:RmtInf/p:Ustrd", ns),
                )
            )
    return TransferFile(
        _text(body, "p:GrpHdr/p:MsgId", ns),
        datetime.fromisoformat(_text(body, "p:GrpHdr/p:CreDtTm", ns)),
        execute_on,
        debtor,
        tuple(transfers),
    )


@attrs.frozen
class StatusLine:
    """One payment's status in a report: ``status`` is the ISO code (ACSC, RJCT, PDNG...),
    ``reason`` the reason code (AC04...) and text of a rejection, ``reference`` the bank's
    own reference (AcctSvcrRef) when given."""

    end_to_end_id: str
    status: str
    reason: str = ""
    reference: str = ""


@attrs.frozen
class StatusReport:
    """A pain.002 message about one pain.001 (``original_message_id``): the group status
    (ACCP, PART, RJCT... or '' when not given) and the payments it reports on."""

    message_id: str
    created_at: datetime
    original_message_id: str
    group_status: str
    group_reason: str
    lines: tuple[StatusLine, ...]


def _reason(element: ET.Element, ns: dict[str, str]) -> str:
    code = _text(element, "p:StsRsnInf/p:Rsn/p:Cd", ns) or _text(element, "p:StsRsnInf/p:Rsn/p:Prtry", ns)
    extra = " ".join((e.text or "").strip() for e in element.findall("p:StsRsnInf/p:AddtlInf", ns) if e.text)
    return " ".join(part for part in (code, extra) if part)


def parse_pain002(content: bytes) -> StatusReport:
    """Read a pain.002.001.03 status report: ``InputError`` if it does not validate."""
    root = _checked(content, PAIN002)
    ns = {"p": _ns(PAIN002)}
    body = root.find("p:CstmrPmtStsRpt", ns)
    assert body is not None  # the schema requires it
    group = body.find("p:OrgnlGrpInfAndSts", ns)
    assert group is not None  # the schema requires it
    lines = [
        StatusLine(
            _text(line, "p:OrgnlEndToEndId", ns),
            _text(line, "p:TxSts", ns),
            _reason(line, ns),
            _text(line, "p:AcctSvcrRef", ns),
        )
        for line in body.findall("p:OrgnlPmtInfAndSts/p:TxInfAndSts", ns)
    ]
    return StatusReport(
        _text(body, "p:GrpHdr/p:MsgId", ns),
        datetime.fromisoformat(_text(body, "p:GrpHdr/p:CreDtTm", ns)),
        _text(group, "p:OrgnlMsgId", ns),
        _text(group, "p:GrpSts", ns),
        _reason(group, ns),
        tuple(lines),
    )


def render_pain002(report: StatusReport, *, payment_info_id: str = "") -> bytes:
    """The pain.002.001.03 XML of ``report`` (what a bank sends back), checked against
    the schema."""
    root = ET.Element("Document", {"xmlns": _ns(PAIN002)})
    body = _sub(root, "CstmrPmtStsRpt")
    header = _sub(body, "GrpHdr")
    _sub(header, "MsgId", report.message_id)
    _sub(header, "CreDtTm", _instant(report.created_at))
    group = _sub(body, "OrgnlGrpInfAndSts")
    _sub(group, "OrgnlMsgId", report.original_message_id)
    _sub(group, "OrgnlMsgNmId", PAIN001)
    if report.group_status:
        _sub(group, "GrpSts", report.group_status)
    if report.group_reason:
        _sub(_sub(_sub(group, "StsRsnInf"), "Rsn"), "Cd", report.group_reason[:4])
    if report.lines:
        info = _sub(body, "OrgnlPmtInfAndSts")
        _sub(info, "OrgnlPmtInfId", payment_info_id or report.original_message_id)
        for line in report.lines:
            row = _sub(info, "TxInfAndSts")
            _sub(row, "OrgnlEndToEndId", line.end_to_end_id)
            _sub(row, "TxSts", line.status)
            if line.reason:
                code, _, text = line.reason.partition(" ")
                reason = _sub(row, "StsRsnInf")
                _sub(_sub(reason, "Rsn"), "Cd", code[:4])
                if text:
                    _sub(reason, "AddtlInf", text[:105])
            if line.reference:
                _sub(row, "AcctSvcrRef", line.reference)
    content: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    _checked(content, PAIN002)
    return content


def lines_of(report: StatusReport, members: Sequence[str]) -> dict[str, StatusLine]:
    """Each payment of the original file with what the report says of it: its own line,
    or the group status when the report has no line for it and the group status is final
    (RJCT, or ACSC/ACCP for the whole file); payments the report leaves out are absent."""
    found = {line.end_to_end_id: line for line in report.lines}
    final = report.group_status in ACCEPTED_CODES or report.group_status == REJECTED_CODE
    if final and not report.lines:
        for member in members:
            found[member] = StatusLine(member, report.group_status, report.group_reason)
    return found
