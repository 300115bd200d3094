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
    """What a verifier answered: whether it passed, how, and its reference (流水号)."""

    ok: bool
    method: VerificationMethod
    reference: str = ""
