"""Where ``hpf_core.ports`` and ``hpf_adapters.memory`` found :class:`Application` before the
workflow was split by concern (``_application``, ``_documents``, ``_review``,
``_payment``). Import from :mod:`hpf_core.withdrawals` instead; this alias goes once they do.
"""

from __future__ import annotations

from hpf_core.withdrawals._application import Application

__all__ = ["Application"]
