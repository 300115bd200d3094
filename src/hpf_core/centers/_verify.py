"""Third-party identity verification (第三方身份验证) at first login (manual §2.1.2):
首次登录需通过支付宝授权或刷脸验证.

:class:`~hpf_core.ports.IdentityVerifier` is the port and
:class:`hpf_adapters.centers.MemoryVerifier` its in-memory adapter; the records it answers
with (:class:`VerificationMethod`, :class:`VerificationResult`) live in ``_records``, below
the ports (D-041). :func:`first_login_allowed` is the pure rule: a centre that requires it
lets a first login through only with a successful verification, and otherwise raises
``refusal(violations)`` like every business refusal (D-038).

>>> from hpf_core.centers import Center, VerificationMethod
>>> from hpf_core.errors import Refused
>>> altay = Center("altay", "阿勒泰地区住房公积金管理中心", "阿勒泰地区", "", "12329", "…")
>>> try:
...     first_login_allowed(altay, None)
... except Refused as refused:
...     print(refused.codes)
('third_party_verification_required',)
>>> first_login_allowed(altay, VerificationResult(True, VerificationMethod.FACE, "face-1"))
"""

from __future__ import annotations

from hpf_core._inputs import instance
from hpf_core.centers._records import VerificationResult
from hpf_core.centers._registry import Center
from hpf_core.errors import Violation, refusal

__all__ = [
    "ALIPAY_CONSENT_TEXT",
    "FACE_CONSENT_BUTTON",
    "first_login_allowed",
]

ALIPAY_CONSENT_TEXT = (
    "你同意公积金12329获取以下权限\n"
    "获取你的公开信息(登录名、昵称、头像等)\n"
    "使用身份信息(姓名、手机号、证件号码等)办理业务\n"
    "确认授权即表示同意《用户授权协议》"
)
"""The 支付宝授权 screen's text (manual §2.1.2 (2)); buttons 确认授权 / 暂不授权."""

FACE_CONSENT_BUTTON = "同意协议,开始拍摄"
"""The 刷脸 screen's button (manual §2.1.2 (3)), as the seed writes it."""


def first_login_allowed(center: Center, verified: VerificationResult | None) -> None:
    """Passes (returns None) if a first login may go on; otherwise raises ``Refused`` with
    ``third_party_verification_required`` or ``third_party_verification_failed``."""
    instance(center, Center, "center")
    if verified is not None:
        instance(verified, VerificationResult, "verified")
    if not center.requires_third_party_first_login:
        return
    if verified is None:
        raise refusal(
            [
                Violation(
                    "third_party_verification_required",
                    "首次登录需通过支付宝授权或刷脸验证 (first login needs third-party verification)",
                    "verification",
                )
            ]
        )
    if not verified.ok:
        raise refusal(
            [
                Violation(
                    "third_party_verification_failed",
                    f"{verified.method.label}未通过 (third-party verification did not pass)",
                    "verification",
                )
            ]
        )
