"""Password hashing and session tokens (口令散列与会话令牌) behind the ports of
``hpf_core.members``.

:class:`ScryptHasher` stores PHC-like strings ``$scrypt$n=131072,r=8,p=1$<salt>$<hash>``
(base64, no padding; 16-byte salt from ``os.urandom``; 32-byte key) with the RELIABILITY §3
fallback parameters N=2^17, r=8, p=1 by default; it compares in constant time and asks for
a rehash when the stored parameters are below the configured ones.

>>> hasher = ScryptHasher(n=2**10)
>>> stored = hasher.hash("gjj2024")
>>> stored.startswith("$scrypt$n=1024,r=8,p=1$")
True
>>> hasher.verify(stored, "gjj2024"), hasher.verify(stored, "gjj2025")
(True, False)
>>> ScryptHasher(n=2**11).needs_rehash(stored)
True
>>> len(SecretsTokens().new_token()) >= 43
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets

from hpf_core.errors import InvalidPolicy
from hpf_core.members import require_password_input

__all__ = ["ScryptHasher", "SecretsTokens"]

_SCRYPT = re.compile(r"\$scrypt\$n=(\d{1,10}),r=(\d{1,4}),p=(\d{1,4})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)\Z")
_SALT_BYTES = 16
_KEY_BYTES = 32


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


class ScryptHasher:
    """scrypt (hashlib.scrypt) with cost ``n`` (a power of two), block size ``r`` and
    parallelism ``p``. Tests may pass a small ``n``; production keeps the defaults."""

    def __init__(self, n: int = 2**17, r: int = 8, p: int = 1) -> None:
        if n < 2 or n & (n - 1) or not 1 <= r <= 64 or not 1 <= p <= 16:
            raise InvalidPolicy("scrypt", "n must be a power of two >= 2, r in 1..64, p in 1..16", (n, r, p))
        self.n, self.r, self.p = n, r, p

    def _derive(self, password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        maxmem = 128 * r * n * p + 128 * r * (n + p + 2) + (1 << 20)
        return hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=_KEY_BYTES
        )

    def hash(self, password: str) -> str:
        """A new salted hash of ``password`` as a PHC-like string."""
        password = require_password_input(password)
        salt = os.urandom(_SALT_BYTES)
        key = self._derive(password, salt, self.n, self.r, self.p)
        return f"$scrypt$n={self.n},r={self.r},p={self.p}${_b64(salt)}${_b64(key)}"

    def verify(self, stored: str, password: str) -> bool:
        """True if ``password`` matches ``stored`` (constant-time comparison); False for a
        malformed or foreign stored value."""
        password = require_password_input(password)
        found = _SCRYPT.match(stored) if isinstance(stored, str) else None
        if found is None:
            return False
        n, r, p = (int(x) for x in found.group(1, 2, 3))
        if n < 2 or n & (n - 1) or n > 2**20 or not 1 <= r <= 64 or not 1 <= p <= 16:
            return False
        try:
            salt, key = _unb64(found.group(4)), _unb64(found.group(5))
        except (binascii.Error, ValueError):
            return False
        return hmac.compare_digest(self._derive(password, salt, n, r, p), key)

    def needs_rehash(self, stored: str) -> bool:
        """True if ``stored`` is not scrypt or any of its parameters is below this hasher's."""
        found = _SCRYPT.match(stored) if isinstance(stored, str) else None
        if found is None:
            return True
        n, r, p = (int(x) for x in found.group(1, 2, 3))
        return n < self.n or r < self.r or p < self.p


class SecretsTokens:
    """Session tokens from the OS CSPRNG: ``secrets.token_urlsafe(32)``, 256 bits, 43 characters."""

    def new_token(self) -> str:
        """A fresh token."""
        return secrets.token_urlsafe(32)
