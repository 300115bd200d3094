"""The login and code throttles shared through Redis (D-073): every ``hpf serve`` worker
process, and every server, that names the same Redis counts the same attempts, so N worker
processes no longer give an address N times the limit.

One attempt is ONE Lua script on the server (atomic: no interleaving of clients can let
more than ``limit`` attempts through a window). The key is a sorted set of the attempts'
instants (the Redis server's clock, microseconds), trimmed to the window on every call and
expiring a window after the last attempt::

    hpf:throttle:<what>:<client address>
"""

from __future__ import annotations

import secrets
from typing import Any

from hpf_adapters.http._problems import Problem

__all__ = ["SharedThrottle"]

_HIT = """
local now = redis.call('TIME')
local us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', us - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + window - us
end
redis.call('ZADD', KEYS[1], us, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return -1
"""


class SharedThrottle:
    """At most ``limit`` hits per key within ``window`` seconds, counted in Redis (``client``:
    a ``redis.Redis``) for every process that uses the same ``what`` there; the same
    ``hit`` as the in-process :class:`~hpf_adapters.http._guard.Throttle`."""

    def __init__(self, client: Any, limit: int, window: float, what: str) -> None:
        self.limit = limit
        self.window = window
        self.what = what
        self._name = what.replace(" ", "-")
        self._script = client.register_script(_HIT)

    def hit(self, key: str) -> None:
        """Count one attempt from ``key``; a ``Problem`` 429 with ``Retry-After`` past the limit."""
        window_us = int(self.window * 1_000_000)
        wait_us = int(
            self._script(
                keys=[f"hpf:throttle:{self._name}:{key}"],
                args=[window_us, self.limit, secrets.token_hex(8)],
            )
        )
        if wait_us >= 0:
            wait = max(1, -(-wait_us // 1_000_000))
            raise Problem(
                429,
                "too_many_requests",
                f"too many {self.what} from this address; try again in {wait} s",
                field="client",
                headers={"Retry-After": str(wait)},
            )
