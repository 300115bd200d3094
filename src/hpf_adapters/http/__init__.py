"""``hpf serve``: the 12329 app's HTTP API (issue #14, D-058) as an adapter on the member
services (``App.portal``, D-052) and the back office (``App.backoffice``, D-053).

``create_app(app)`` gives a FastAPI application over what ``hpf_adapters.wiring.build``
made; routes live under ``/api/v1`` (sessions, ``/me/...``, the public pages, ``/staff``),
errors are RFC 9457 problem details with hpf's stable code and field, POSTs that create a
record or move money honour ``Idempotency-Key`` (Stripe's semantics, kept through the
store's idempotency port), login and code sending are throttled per client address, bodies
and uploads have size limits, identifiers in responses are masked. FastAPI and pydantic
stay in this adapter (extra ``hpf[http]``).
"""

from hpf_adapters.http._app import API_PREFIX, create_app, serve
from hpf_adapters.http._guard import HttpSettings
from hpf_adapters.http._problems import PROBLEM_TYPE

__all__ = ["API_PREFIX", "PROBLEM_TYPE", "HttpSettings", "create_app", "serve"]
