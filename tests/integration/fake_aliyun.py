"""A stand-in for Alibaba Cloud SMS (阿里云短信服务) on 127.0.0.1, for the adapter's tests.

It checks each request's signature INDEPENDENTLY of the SDK, by the provider's documented
V3 algorithm (Alibaba Cloud, "V3 request structure and signature" / "V3版本请求体&签名机制",
help.aliyun.com document 2593177):

- ``CanonicalRequest`` = method, canonical URI (the path, ``/`` when empty), canonical query
  string (every parameter name and value percent-encoded per RFC 3986 — space ``%20``, ``*``
  ``%2A``, ``~`` kept — sorted by name, ``name=value`` joined by ``&``), canonical headers
  (every signed header as ``lowercase-name:trimmed-value`` + ``\\n``, sorted by name),
  signed headers (those names joined by ``;``) and the payload hash (hex SHA-256 of the
  body, the ``x-acs-content-sha256`` header), joined by ``\\n``;
- ``StringToSign`` = ``ACS3-HMAC-SHA256`` + ``\\n`` + hex SHA-256 of the canonical request;
- ``Signature`` = hex HMAC-SHA256(AccessKey secret, StringToSign), sent as
  ``Authorization: ACS3-HMAC-SHA256 Credential=<AccessKey id>,SignedHeaders=<names>,Signature=<hex>``;
  the signed headers must include ``host``, every ``x-acs-*`` header and ``content-type``
  when present (others present, such as ``accept``, may be signed too); ``x-acs-date``
  must be within 15 minutes; a nonce is used once.

It answers SendSms (API version 2017-05-25) like the provider: HTTP 200 with
``{"Code": "OK", "BizId": ...}`` on success, and HTTP 200 with the business error code for
a refusal — ``isv.BUSINESS_LIMIT_CONTROL`` (throttled: more than ``per_minute`` texts to a
number within a minute), ``isv.MOBILE_NUMBER_ILLEGAL``, ``isv.SMS_SIGNATURE_ILLEGAL``,
``isv.SMS_TEMPLATE_ILLEGAL`` — and HTTP 400 ``SignatureDoesNotMatch`` (or 404
``InvalidAccessKeyId.NotFound``) when the signature does not check out. A number in
``slow`` gets its answer after ``delay`` seconds (the client's timeout), and the text
counts as delivered — the provider took it, the client never heard.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import attrs

ALGORITHM = "ACS3-HMAC-SHA256"


def rfc3986(text: str) -> str:
    """Percent-encode everything but the RFC 3986 unreserved characters."""
    return quote(text, safe="-_.~", encoding="utf-8")


def canonical_request(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    signed: list[str],
    payload: str,
) -> str:
    """The documented canonical request (see the module docstring)."""
    pairs = sorted((rfc3986(k), rfc3986(v)) for k, v in query)
    canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    canonical_headers = "".join(f"{name}:{headers[name].strip()}\n" for name in signed)
    return "\n".join(
        [method.upper(), path or "/", canonical_query, canonical_headers, ";".join(signed), payload]
    )


def signature(secret: str, canonical: str) -> str:
    """hex HMAC-SHA256(secret, ALGORITHM \\n hex SHA-256(canonical))."""
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


@attrs.define
class Delivered:
    """One text the fake provider accepted (what the carrier would get)."""

    phone: str
    sign_name: str
    template_code: str
    params: dict[str, str]
    out_id: str


@attrs.define
class FakeAliyun:
    """The provider's state: keys, registered signs and templates, behaviours, deliveries."""

    keys: dict[str, str]
    sign_names: set[str]
    templates: set[str]
    illegal: set[str] = attrs.Factory(set)
    slow: set[str] = attrs.Factory(set)
    delay: float = 3.0
    per_minute: int = 1
    fail_with: tuple[int, str] | None = None
    """An answer (HTTP status, code) to give every signed request instead of sending."""
    now: Any = attrs.field(default=lambda: datetime.now(UTC))
    """The provider's clock for its rate limit (a test moves it on)."""
    delivered: list[Delivered] = attrs.Factory(list)
    refused: list[tuple[int, str]] = attrs.Factory(list)
    """(HTTP status, code) of every request it refused."""
    nonces: set[str] = attrs.Factory(set)
    sent_at: dict[str, list[datetime]] = attrs.Factory(dict)
    lock: threading.Lock = attrs.Factory(threading.Lock)

    def texts_to(self, phone: str) -> list[Delivered]:
        return [d for d in self.delivered if d.phone == phone]

    # ------------------------------------------------------------------ checks

    def check_signature(
        self, method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str], body: bytes
    ) -> tuple[int, str] | None:
        """None if the request is signed right, else (HTTP status, error code)."""
        auth = headers.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        if algorithm != ALGORITHM:
            return 400, "IncompleteSignature"
        parts = dict(item.split("=", 1) for item in rest.split(",") if "=" in item)
        if parts.get("Credential") not in self.keys:
            return 404, "InvalidAccessKeyId.NotFound"
        signed = parts.get("SignedHeaders", "").split(";")
        must = {"host"} | {n for n in headers if n.startswith("x-acs-")}
        if "content-type" in headers:
            must.add("content-type")
        if not must <= set(signed) <= set(headers) or signed != sorted(signed):
            return 400, "IncompleteSignature"
        payload = hashlib.sha256(body).hexdigest()
        if headers.get("x-acs-content-sha256") != payload:
            return 400, "IncompleteSignature"
        sent = datetime.strptime(headers.get("x-acs-date", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs(datetime.now(UTC) - sent) > timedelta(minutes=15):
            return 400, "InvalidTimeStamp.Expired"
        expected = signature(
            self.keys[parts["Credential"]], canonical_request(method, path, query, headers, signed, payload)
        )
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            return 400, "SignatureDoesNotMatch"
        nonce = headers["x-acs-signature-nonce"]
        with self.lock:
            if nonce in self.nonces:
                return 400, "SignatureNonceUsed"
            self.nonces.add(nonce)
        return None

    def send_sms(self, params: dict[str, str]) -> str:
        """The business answer's code for a signed SendSms."""
        phone = params.get("PhoneNumbers", "")
        if params.get("SignName") not in self.sign_names:
            return "isv.SMS_SIGNATURE_ILLEGAL"
        if params.get("TemplateCode") not in self.templates:
            return "isv.SMS_TEMPLATE_ILLEGAL"
        if phone in self.illegal or not (len(phone) == 11 and phone.isdigit() and phone[0] == "1"):
            return "isv.MOBILE_NUMBER_ILLEGAL"
        with self.lock:
            at = self.now()
            recent = [m for m in self.sent_at.get(phone, []) if at - timedelta(minutes=1) < m <= at]
            if len(recent) >= self.per_minute:
                return "isv.BUSINESS_LIMIT_CONTROL"
            self.sent_at[phone] = [*recent, at]
            self.delivered.append(
                Delivered(phone, params["SignName"], params["TemplateCode"],
                          json.loads(params.get("TemplateParam") or "{}"), params.get("OutId", ""))
            )  # fmt: skip
        return "OK"


def _handler(fake: FakeAliyun) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, str]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            split = urlsplit(self.path)
            query = parse_qsl(split.query, keep_blank_values=True)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            request_id = str(uuid.uuid4()).upper()
            refused = fake.check_signature("POST", split.path, query, headers, body)
            if refused is not None:
                fake.refused.append(refused)
                status, code = refused
                self._answer(status, {"Code": code, "Message": f"{code} (fake)", "RequestId": request_id})
                return
            if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != "2017-05-25":
                self._answer(400, {"Code": "InvalidAction.NotFound", "Message": "", "RequestId": request_id})
                return
            if fake.fail_with is not None:
                status, code = fake.fail_with
                self._answer(status, {"Code": code, "Message": f"{code} (fake)", "RequestId": request_id})
                return
            params = dict(query)
            params.update(dict(parse_qsl(body.decode(), keep_blank_values=True)))
            code = fake.send_sms(params)
            if params.get("PhoneNumbers") in fake.slow:
                time.sleep(fake.delay)
            answer = {
                "Code": code,
                "Message": "OK" if code == "OK" else f"{code} (fake)",
                "RequestId": request_id,
            }
            if code == "OK":
                answer["BizId"] = f"{len(fake.delivered):06d}^0"
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                self._answer(200, answer)

    return Handler


class FakeAliyunServer:
    """:class:`FakeAliyun` served on 127.0.0.1 (a free port) from a thread; ``endpoint`` is
    ``127.0.0.1:<port>``. Use as a context manager."""

    def __init__(self, fake: FakeAliyun) -> None:
        self.fake = fake
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeAliyunServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
