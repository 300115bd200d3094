"""The member services' unit-of-work steps (D-045): count an attempt in advance
(:func:`reserve`), then settle it by compare-and-set (:func:`settle`), both retried on a
conflict; and :class:`LoginOutcome`, what a login gives the channel. Private: the
services (``hpf_core.members.services``) are the public face.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from hpf_core.errors import ConcurrentUpdate
from hpf_core.members._login import LoginPolicy, LoginResult, _after_failure, _set_lock, normalise_identifier
from hpf_core.members._passwords import PasswordChannel
from hpf_core.members._records import Credentials, PasswordGroup
from hpf_core.members._rules import MemberRules
from hpf_core.ports import AuditEvent

if TYPE_CHECKING:
    from hpf_core.ports import UnitOfWork

__all__ = ["LoginOutcome", "NewUnitOfWork"]

RETRIES = 100
"""Compare-and-set attempts before a racing request gives up with ``ConcurrentUpdate``: enough
for every one of a hundred requests racing on one member to get through, one at a time."""

DEFAULT_RULES = MemberRules()


@attrs.frozen
class LoginOutcome:
    """What ``login`` and ``login_with_identity`` give the channel: the result to show, and on success the new
    session's token (the only copy: the store keeps its hash)."""

    result: LoginResult
    token: str | None = attrs.field(default=None, repr=False)


NewUnitOfWork = Callable[[], "UnitOfWork"]


def find(uow: UnitOfWork, identifier: str) -> Credentials | None:
    found = normalise_identifier(identifier)
    if found is None:
        return None
    kind, number = found
    return uow.credentials.by_phone(number) if kind == "phone" else uow.credentials.by_id_number(number)


ANONYMOUS = "anonymous"
"""The audit actor of a login for an identifier that matches no member (the identifier is
personal data and is never written)."""


def audit(uow: UnitOfWork, actor: str, action: str, at: datetime, detail: str = "") -> None:
    """Append one audit event about ``credentials/<actor>`` in the open unit of work (D-052)."""
    record = f"credentials/{actor}" if actor != ANONYMOUS else "credentials/unknown"
    uow.audit.append(AuditEvent(actor, action, at, record, detail))


def audit_alone(new_uow: NewUnitOfWork, actor: str, action: str, at: datetime, detail: str = "") -> None:
    """The audit event in a unit of work of its own, retried when the database picks it to
    retry (a lock conflict on the log's sequence)."""
    for _ in range(RETRIES):
        try:
            with new_uow() as uow:
                audit(uow, actor, action, at, detail)
                uow.commit()
        except ConcurrentUpdate:
            continue
        return
    raise ConcurrentUpdate("audit", "too many racing attempts; try again")


@attrs.frozen
class Reserved:
    credentials: Credentials
    counted: int
    """The attempt's number in the group's ``LockState.counted``."""


def _reserve_once(
    new_uow: NewUnitOfWork,
    member: Callable[[UnitOfWork], Credentials | None],
    group: PasswordGroup,
    at: datetime,
    policy: LoginPolicy,
    channel: PasswordChannel,
    audit_as: str,
) -> Reserved | str:
    with new_uow() as uow:
        credentials = member(uow)
        if credentials is None or credentials.stored_hash(group) is None:
            actor = ANONYMOUS if credentials is None else credentials.member_id
            audit(uow, actor, f"{audit_as}.refused", at, "unknown_account")
            uow.commit()
            return "unknown_account"
        lock = credentials.lock_state(group)
        if lock.locked(at):
            audit(uow, credentials.member_id, f"{audit_as}.refused", at, "locked")
            uow.commit()
            return "locked"
        counted = _after_failure(lock, at, policy)
        saved = uow.credentials.save(_set_lock(credentials, group, counted))
        audit(uow, credentials.member_id, f"{audit_as}.attempt", at, f"{group.value} {channel.value}")
        uow.commit()
        return Reserved(saved, counted.counted)


def reserve(
    new_uow: NewUnitOfWork,
    member: Callable[[UnitOfWork], Credentials | None],
    group: PasswordGroup,
    at: datetime,
    rules: MemberRules,
    channel: PasswordChannel,
    audit_as: str = "member.login",
) -> Reserved | str:
    """Count one failure of ``group`` in advance (compare-and-set, retried); the reason
    not to go on (``unknown_account``, ``locked``) instead when there is one. The unit of
    work that counts the attempt appends ``<audit_as>.attempt``; one that refuses appends
    ``<audit_as>.refused`` with the reason (D-052)."""
    policy = rules.login_policy(channel)
    for _ in range(RETRIES):
        try:
            return _reserve_once(new_uow, member, group, at, policy, channel, audit_as)
        except ConcurrentUpdate:
            continue  # the unit of work rolled back whole: nothing was counted or logged
    raise ConcurrentUpdate("credentials", "too many racing attempts; try again")


def settle(
    new_uow: NewUnitOfWork,
    member_id: str,
    change: Callable[[UnitOfWork, Credentials], Credentials | None],
) -> Credentials | None:
    """Run ``change`` on the member's current credentials and save, retrying on a conflict;
    None when ``change`` declines."""
    for _ in range(RETRIES):
        try:
            with new_uow() as uow:
                current = uow.credentials.get(member_id)
                changed = change(uow, current)
                if changed is None:
                    return None
                saved = uow.credentials.save(changed)
                uow.commit()
                return saved
        except ConcurrentUpdate:
            continue  # rolled back whole (its audit line too): run the change again
    raise ConcurrentUpdate("credentials", "too many racing attempts; try again")
