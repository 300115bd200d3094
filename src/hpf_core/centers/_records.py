"""The centre records the ports exchange (D-041): how a third party verified a member, and
what it answered. Below ``hpf_core.ports``: the ports import this module, and it imports
no port and no function module. Public as ``hpf_core.centers.VerificationMethod`` and
``hpf_core.centers.VerificationResult``.

>>> VerificationResult(True, VerificationMethod.FACE, "face-1").method.label
'刷脸'
"""

from __future__ import annotations

import enum

import attrs

from hpf_core.identity import masked_repr

__all__ = ["VerificationMethod", "VerificationResult"]


class VerificationMethod(enum.Enum):
    """How a member proves who they are at first login."""

    ALIPAY = "alipay"
    """支付宝授权: the member authorises the app in Alipay."""
    FACE = "face"
    """刷脸: face recognition after 同意协议,开始拍摄."""

    @property
    def label(self) -> str:
        """The Chinese name shown to the member."""
        return {"alipay": "支付宝授权", "face": "刷脸"}[self.value]


@attrs.frozen
class VerificationResult:
    """What a verifier answered: whether it passed, how, and its reference (流水号).

    An answer to ``IdentityVerifier.identify`` also says whom the third party vouches for:
    ``id_number``, the ID number it checked (支付宝's 实名 identity, or the ID number a face
    check compared the face with), and ``number``, its own number for that person (the
    Alipay ``user_id``; for a face check the ID number again). Both are masked in the repr.

    >>> r = VerificationResult(True, VerificationMethod.ALIPAY, "a-1", number="2088102150477652",
    ...                        id_number="371524199011063028")
    >>> "2088102150477652" in repr(r), "371524199011063028" in repr(r)
    (False, False)
    """

    ok: bool
    method: VerificationMethod
    reference: str = ""
    number: str = attrs.field(default="", kw_only=True, repr=masked_repr)
    id_number: str = attrs.field(default="", kw_only=True, repr=masked_repr)
