"""Centre data shipped with hpf (centres, service outlets, news), read from the package
(an adapter's I/O), and :class:`MemoryVerifier`, the in-memory
:class:`~hpf_core.ports.IdentityVerifier`.

>>> load_centers().get("altay").hotline
'12329'
>>> [o.phone for o in load_outlets("altay")]
['12329', None, None, None]
>>> v = MemoryVerifier({"m1": False})
>>> v.verify("m1", VerificationMethod.ALIPAY).ok, v.verify("m2", "face").reference
(False, 'face-000002')
>>> v.calls
[('m1', <VerificationMethod.ALIPAY: 'alipay'>), ('m2', <VerificationMethod.FACE: 'face'>)]
"""

from __future__ import annotations

from collections.abc import Mapping

from hpf_adapters._shipped import shipped_codes, shipped_text
from hpf_core.centers import (
    CenterRegistry,
    NewsItem,
    Outlet,
    VerificationMethod,
    VerificationResult,
    news_of,
    outlets_of,
    parse_center,
    parse_news,
    parse_outlets,
)
from hpf_core.errors import InputError, InvalidChoice

__all__ = ["MemoryVerifier", "available", "center_text", "load_centers", "load_news", "load_outlets"]


def available() -> tuple[str, ...]:
    """Codes of the centres whose data file ships with hpf."""
    return shipped_codes(__name__)


def center_text(code: str) -> str:
    """The TOML text of a shipped centre file."""
    return shipped_text(__name__, code, "centre file")


def load_centers() -> CenterRegistry:
    """Every shipped centre, as the registry a member chooses from."""
    return CenterRegistry(parse_center(center_text(code)) for code in available())


def load_outlets(center_code: str | None = None) -> tuple[Outlet, ...]:
    """The shipped service outlets, of one centre or of all."""
    codes = available() if center_code is None else (center_code,)
    found = tuple(o for code in codes for o in parse_outlets(center_text(code)))
    return found if center_code is None else outlets_of(found, center_code)


def load_news(center_code: str, *, limit: int | None = None) -> tuple[NewsItem, ...]:
    """A shipped centre's news items, newest first."""
    return news_of(parse_news(center_text(center_code)), center_code, limit=limit)


def _method(value: VerificationMethod | str) -> VerificationMethod:
    if isinstance(value, VerificationMethod):
        return value
    try:
        return VerificationMethod(value)
    except ValueError as exc:
        allowed = ", ".join(m.value for m in VerificationMethod)
        raise InvalidChoice("method", f"must be one of {allowed}", value) from exc


class MemoryVerifier:
    """An :class:`~hpf_core.ports.IdentityVerifier` in memory.

    ``outcomes`` maps a member id to ``True``/``False`` (every method) or to a mapping of
    method → outcome; anyone else gets ``default``. Every call is recorded in ``calls``;
    a passing result gets the reference ``<method>-<call number>``. For the login paths
    (:meth:`identify`), :meth:`vouch` sets up what one piece of evidence answers, once.

    >>> v = MemoryVerifier()
    >>> v.vouch("face", "certify-1", "371524199011063028")
    >>> v.identify("face", "certify-1").ok, v.identify("face", "certify-1").ok
    (True, False)
    """

    def __init__(
        self,
        outcomes: Mapping[str, bool | Mapping[VerificationMethod, bool]] | None = None,
        *,
        default: bool = True,
    ) -> None:
        self._outcomes: dict[str, bool | Mapping[VerificationMethod, bool]] = dict(outcomes or {})
        self._default = default
        self.calls: list[tuple[str, VerificationMethod]] = []
        self.identified: list[tuple[VerificationMethod, str]] = []
        """Every :meth:`identify` call: the method and the evidence."""
        self._evidence: dict[tuple[VerificationMethod, str], tuple[bool, str, str]] = {}

    def set_outcome(self, member_id: str, ok: bool, method: VerificationMethod | None = None) -> None:
        """From now on, ``member_id`` passes (or fails) — by ``method`` only, or by any."""
        if method is None:
            self._outcomes[member_id] = ok
            return
        current = self._outcomes.get(member_id, self._default)
        per_method = (
            dict(current) if isinstance(current, Mapping) else dict.fromkeys(VerificationMethod, current)
        )
        per_method[method] = ok
        self._outcomes[member_id] = per_method

    def verify(self, member_id: str, method: VerificationMethod | str) -> VerificationResult:
        """Answer as configured and record the call."""
        how = _method(method)
        self.calls.append((member_id, how))
        outcome = self._outcomes.get(member_id, self._default)
        ok = outcome.get(how, self._default) if isinstance(outcome, Mapping) else outcome
        reference = f"{how.value}-{len(self.calls):06d}" if ok else ""
        return VerificationResult(ok, how, reference)

    def vouch(
        self,
        method: VerificationMethod | str,
        evidence: str,
        id_number: str,
        *,
        number: str | None = None,
        ok: bool = True,
    ) -> None:
        """Make ``evidence`` (an ``auth_code``, a ``CertifyId``) answer, once, for the person
        with ``id_number``: by Alipay with the ``user_id`` ``number``; by a face check with
        the ID number itself. ``ok=False``: the third party refused it (暂不授权, a face that
        did not match)."""
        how = _method(method)
        if how is VerificationMethod.ALIPAY and not number and ok:
            raise InputError("number", "an Alipay pass needs the user_id")
        vouched = (number or id_number) if how is VerificationMethod.ALIPAY else id_number
        self._evidence[(how, evidence)] = (ok, id_number, vouched)

    def identify(self, method: VerificationMethod | str, evidence: str) -> VerificationResult:
        """Answer for evidence :meth:`vouch` set up, once (a second use, or evidence never
        vouched for, is a refusal), and record the call in ``identified``."""
        how = _method(method)
        self.identified.append((how, evidence))
        found = self._evidence.pop((how, evidence), None)
        if found is None or not found[0]:
            return VerificationResult(False, how)
        _, id_number, number = found
        reference = f"{how.value}-{len(self.identified):06d}"
        return VerificationResult(True, how, reference, number=number, id_number=id_number)
