"""Password hashing and session tokens (口令散列与会话令牌) behind the ports of
``hpf_core.members``, and the common-password list shipped as package data.

:class:`Argon2Hasher` (argon2id through ``argon2-cffi``, the ``hpf[argon2]`` extra; OWASP's
first choice, m = 19 MiB, t = 2, p = 1 at least) is the default when installed
(:func:`default_hasher`); it still verifies the scrypt hashes made before and asks for
their rehash, so each member moves to argon2id at the next login (D-045).

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
import functools
import hashlib
import hmac
import importlib.resources
import os
import re
import secrets
from typing import Any

from hpf_core.errors import InvalidPolicy
from hpf_core.members import require_password_input

__all__ = ["Argon2Hasher", "ScryptHasher", "SecretsTokens", "common_passwords", "default_hasher"]

_SCRYPT = re.compile(r"\$scrypt\$n=(\d{1,10}),r=(\d{1,4}),p=(\d{1,4})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)\Z")
_SALT_BYTES = 16
_KEY_BYTES = 32
_SCRYPT_MAX_MEMORY = 256 * 2**20
"""The most memory a stored scrypt value may ask for at verify (the default takes 128 MiB)."""


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
        if 128 * r * n * p > _SCRYPT_MAX_MEMORY:
            return False  # a stored value asking for more memory than any hash we make
        try:
            salt, key = _unb64(found.group(4)), _unb64(found.group(5))
            return hmac.compare_digest(self._derive(password, salt, n, r, p), key)
        except (binascii.Error, ValueError, MemoryError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True if ``stored`` is not scrypt or any of its parameters is below this hasher's."""
        found = _SCRYPT.match(stored) if isinstance(stored, str) else None
        if found is None:
            return True
        n, r, p = (int(x) for x in found.group(1, 2, 3))
        return n < self.n or r < self.r or p < self.p


_ARGON2_MIN_MEMORY_KIB = 19 * 1024
_ARGON2_MIN_TIME_COST = 2
_ARGON2_MAX_MEMORY_KIB = 256 * 1024
_ARGON2_MAX_TIME_COST = 16
_ARGON2_MAX_PARALLELISM = 16


class Argon2Hasher:
    """argon2id (``argon2-cffi``) with ``memory_kib`` KiB, ``time_cost`` passes and
    ``parallelism`` lanes — at least OWASP's m = 19 MiB, t = 2, p = 1. It verifies its own
    ``$argon2id$`` strings and the ``$scrypt$`` strings of :class:`ScryptHasher`; a scrypt
    hash, or an argon2 one below this hasher's parameters, ``needs_rehash``. ``verify``
    returns False for any malformed value, and for one asking for more than 256 MiB or 16
    passes (a stored value must not buy an attacker a denial of service).

    >>> hasher = Argon2Hasher()
    >>> stored = hasher.hash("gjjx2024")
    >>> stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    True
    >>> hasher.verify(stored, "gjjx2024"), hasher.verify(stored, "gjjx2025")
    (True, False)
    >>> hasher.verify("$argon2id$junk", "x")
    False
    >>> old = ScryptHasher(n=2**10).hash("gjjx2024")
    >>> hasher.verify(old, "gjjx2024"), hasher.needs_rehash(old), hasher.needs_rehash(stored)
    (True, True, False)
    """

    def __init__(
        self,
        memory_kib: int = _ARGON2_MIN_MEMORY_KIB,
        time_cost: int = _ARGON2_MIN_TIME_COST,
        parallelism: int = 1,
    ) -> None:
        try:
            import argon2  # noqa: PLC0415 - an optional extra
        except ModuleNotFoundError as missing:
            raise InvalidPolicy("hasher", "argon2id needs: pip install 'hpf[argon2]'", "argon2") from missing
        ok = (
            _ARGON2_MIN_MEMORY_KIB <= memory_kib <= _ARGON2_MAX_MEMORY_KIB
            and _ARGON2_MIN_TIME_COST <= time_cost <= _ARGON2_MAX_TIME_COST
            and 1 <= parallelism <= _ARGON2_MAX_PARALLELISM
        )
        if not ok:
            raise InvalidPolicy(
                "argon2",
                "need 19456 <= memory_kib <= 262144, 2 <= time_cost <= 16, 1 <= parallelism <= 16 (OWASP)",
                (memory_kib, time_cost, parallelism),
            )
        self._argon2: Any = argon2
        self._hasher: Any = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=argon2.Type.ID
        )
        self._scrypt = ScryptHasher()
        self.memory_kib, self.time_cost, self.parallelism = memory_kib, time_cost, parallelism

    def hash(self, password: str) -> str:
        """A new salted argon2id hash of ``password`` (PHC string)."""
        password = require_password_input(password)
        return str(self._hasher.hash(password))

    def _parameters(self, stored: str) -> Any:
        try:
            found = self._argon2.extract_parameters(stored)
        except (self._argon2.exceptions.InvalidHashError, ValueError, TypeError):
            return None
        if found.type is not self._argon2.Type.ID:
            return None
        return found

    def verify(self, stored: str, password: str) -> bool:
        """True if ``password`` matches ``stored`` (argon2id or scrypt); False otherwise,
        and for any malformed, foreign or over-costly stored value."""
        password = require_password_input(password)
        if not isinstance(stored, str):
            return False
        if stored.startswith("$scrypt$"):
            return self._scrypt.verify(stored, password)
        found = self._parameters(stored)
        if found is None:
            return False
        if not (
            found.memory_cost <= _ARGON2_MAX_MEMORY_KIB
            and found.time_cost <= _ARGON2_MAX_TIME_COST
            and found.parallelism <= _ARGON2_MAX_PARALLELISM
        ):
            return False
        try:
            return bool(self._hasher.verify(stored, password))
        except (self._argon2.exceptions.Argon2Error, ValueError, TypeError, MemoryError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True for anything but an argon2id hash at (or above) this hasher's parameters."""
        found = self._parameters(stored) if isinstance(stored, str) else None
        if found is None:
            return True
        return bool(
            found.memory_cost < self.memory_kib
            or found.time_cost < self.time_cost
            or found.parallelism < self.parallelism
        )


def default_hasher(scrypt_n: int = 2**17) -> Argon2Hasher | ScryptHasher:
    """:class:`Argon2Hasher` when ``argon2-cffi`` is installed, else :class:`ScryptHasher`
    with cost ``scrypt_n`` (the composition root's ``hasher="auto"``)."""
    try:
        return Argon2Hasher()
    except InvalidPolicy:
        return ScryptHasher(n=scrypt_n)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped common-password list (package data ``common-passwords.txt``: 30,000
    entries of zxcvbn 4.5.0's password frequency list, MIT, plus hpf's built-in list of
    Chinese favourites), casefolded, for ``check_password(..., common=...)`` and
    ``hpf_core.members.services.change_password(..., common=...)`` (D-045).

    >>> passwords = common_passwords()
    >>> len(passwords) >= 30_000, "dragon" in passwords, "5201314" in passwords
    (True, True, True)
    """
    text = importlib.resources.files("hpf_adapters").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


class SecretsTokens:
    """Session tokens from the OS CSPRNG: ``secrets.token_urlsafe(32)``, 256 bits, 43 characters."""

    def new_token(self) -> str:
        """A fresh token."""
        return secrets.token_urlsafe(32)
