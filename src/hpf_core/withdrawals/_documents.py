"""Documents of a withdrawal application (档案上传) and edits before it is handed in:
what is missing, upload, remove, revise. A refused edit raises
:func:`~hpf_core.errors.refusal` and changes nothing."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from hpf_core._inputs import instance
from hpf_core.errors import Violation, refusal
from hpf_core.identity import mask_card_number
from hpf_core.money import Amount
from hpf_core.withdrawals._application import (
    Application,
    _editable,
    _files,
    _positive,
    _requirement,
    _text,
    describe,
)
from hpf_core.withdrawals._banks import validate_account_number
from hpf_core.withdrawals._cards import BankCard
from hpf_core.withdrawals._types import DocumentRequirement

__all__ = ["missing_documents", "remove_files", "revise", "upload"]


def missing_documents(app: Application) -> tuple[DocumentRequirement, ...]:
    """The required categories (必传项) that hold no file yet, in the application's order.

    >>> docs = (DocumentRequirement("申请人头像", required=True), DocumentRequirement("其他", required=False))
    >>> from hpf_core.withdrawals._application import draft
    >>> from hpf_core.withdrawals._types import WithdrawalKind
    >>> app = draft("A1", "M1", WithdrawalKind.LABOR_TERMINATION, "262.60", "6225768888888888", docs)
    >>> [d.category for d in missing_documents(app)]
    ['申请人头像']
    """
    instance(app, Application, "app")
    return tuple(req for req in app.requirements if req.required and app.documents.get(req.category, 0) < 1)


def missing_violations(app: Application) -> list[Violation]:
    """One ``documents_missing`` violation per required category with no file."""
    return [
        Violation("documents_missing", f"{req.category} (必传项) needs at least one file", "documents")
        for req in missing_documents(app)
    ]


def upload(app: Application, category: str, files: int = 1) -> Application:
    """Count ``files`` more files in ``category`` (档案上传), at most ``max_files`` in all.

    Only a draft or a returned application takes files; the category must be one the
    application asks for.

    >>> from hpf_core.withdrawals._application import draft
    >>> from hpf_core.withdrawals._types import WithdrawalKind
    >>> docs = (DocumentRequirement("申请人头像", required=True, max_files=4),)
    >>> app = draft("A1", "M1", WithdrawalKind.LABOR_TERMINATION, "262.60", "6225768888888888", docs)
    >>> upload(app, "申请人头像", 3).documents["申请人头像"]
    3
    >>> upload(upload(app, "申请人头像", 3), "申请人头像", 2)
    Traceback (most recent call last):
    ...
    hpf_core.errors.Refused: files: 申请人头像 takes at most 4 files (5 given)
    """
    instance(app, Application, "app")
    instance(category, str, "category")
    category = _text(category, "category")
    files = _files(files)
    problems = _editable(app, "edited")
    requirement = _requirement(app, category)
    total = app.documents.get(category, 0) + files
    if requirement is None:
        problems.append(Violation("unknown_category", f"{category} is not asked for", "category"))
    elif total > requirement.max_files:
        problems.append(
            Violation(
                "too_many_files",
                f"{category} takes at most {requirement.max_files} files ({total} given)",
                "files",
            )
        )
    if problems:
        raise refusal(problems)
    return attrs.evolve(app, documents={**app.documents, category: total})


def remove_files(app: Application, category: str, files: int = 1) -> Application:
    """Take ``files`` files out of ``category`` (to replace a file a reviewer refused)."""
    instance(app, Application, "app")
    instance(category, str, "category")
    category = _text(category, "category")
    files = _files(files)
    problems = _editable(app, "edited")
    held = app.documents.get(category, 0)
    if files > held:
        problems.append(Violation("not_enough_files", f"{category} holds {held} files, not {files}", "files"))
    if problems:
        raise refusal(problems)
    counts = {**app.documents, category: held - files}
    return attrs.evolve(app, documents={k: v for k, v in counts.items() if v})


def revise(
    app: Application,
    *,
    amount: Amount | None = None,
    card_number: str | None = None,
    cards: Iterable[BankCard] = (),
) -> Application:
    """Change the amount (and so the 描述) or the receiving account of a draft or returned
    application. The new account must be one of the applicant's registered ``cards``
    (``unknown_card``): a returned application cannot be sent to an arbitrary account."""
    instance(app, Application, "app")
    problems = _editable(app, "edited")
    value = app.amount if amount is None else _positive(amount)
    number = app.card_number
    if card_number is not None:
        number = validate_account_number(card_number, "card_number")
        if not any(c.member_id == app.member_id and c.number == number for c in cards):
            problems.append(
                Violation(
                    "unknown_card",
                    f"{mask_card_number(number)} is not one of the applicant's accounts: add it first",
                    "card_number",
                )
            )
    if problems:
        raise refusal(problems)
    return attrs.evolve(app, amount=value, card_number=number, description=describe(app.kind, value))
