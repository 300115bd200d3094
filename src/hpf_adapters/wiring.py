"""The composition root (组装): the one place that chooses adapters and wires the services.

A :class:`Config` says which store, SMS gateway, code source, bank, clock and centre to
use; :func:`build` makes them and returns an :class:`App` whose services are bound to
them. Importing this module connects nothing and reads nothing; :func:`build` does.

>>> from datetime import datetime, timedelta, timezone
>>> at = datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))
>>> app = build(Config(centre="altay", clock=at, codes="fixed", fixed_codes=("042817",), password_cost=2**10))
>>> app.now() == at, app.today().isoformat(), app.policy.code
(True, '2026-01-05', 'altay')
>>> from hpf_core.members import CodePurpose
>>> app.send_code("13800138000", CodePurpose.LOGIN)
'已发送,请查收'
>>> app.sms.to("13800138000")[0][:19]
'【12329】您的验证码为042817'
>>> app.check_code("13800138000", CodePurpose.LOGIN, "042817")
>>> with app.unit_of_work() as uow:
...     uow.accounts.numbers()
[]
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

import attrs

from hpf_adapters.centers import MemoryVerifier, load_centers, load_news, load_outlets
from hpf_adapters.centers import available as shipped_centres
from hpf_adapters.memory import MemoryStore
from hpf_adapters.payments import MemoryBank, MemoryBankDebit
from hpf_adapters.policies import available, load_policy
from hpf_adapters.relay import RelayReport, relay
from hpf_adapters.security import Argon2Hasher, ScryptHasher, SecretsTokens, default_hasher
from hpf_adapters.sms import ConsoleSms, FixedCodes, MemoryCodeStore, MemorySms, SecretsCodes
from hpf_core import backoffice, portal
from hpf_core.accounts import services as account_services
from hpf_core.errors import ConcurrentUpdate, InputError, InputTypeError, InvalidChoice, NaiveDatetimeError
from hpf_core.loans import business as loan_business
from hpf_core.loans import services as loan_services
from hpf_core.members import CodePolicy, CodePurpose, check_code, send_code
from hpf_core.policy import CenterPolicy
from hpf_core.portal import CentreInfo
from hpf_core.ports import (
    BankDebit,
    CodeSource,
    IdentityVerifier,
    Notification,
    PasswordHasher,
    PaymentChannel,
    SmsGateway,
    TokenSource,
    UnitOfWork,
    VerificationCodeStore,
)
from hpf_core.withdrawals import services as withdrawal_services

if TYPE_CHECKING:
    from hpf_adapters.sms_aliyun import AliyunSmsSettings
    from hpf_adapters.sql import SqlStore

__all__ = ["ATTEMPTS", "SHANGHAI", "App", "Config", "Services", "build", "system_clock"]

ATTEMPTS = 5
"""How many times a bound service runs when its unit of work meets a lock conflict
(``ConcurrentUpdate``: nothing was written) before the conflict reaches the caller."""

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
"""The time zone ``App.today()`` reads the date in (China has one, UTC+8)."""


def _one_of(*allowed: str) -> Callable[[object, attrs.Attribute[str], object], None]:
    def check(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
        if value not in allowed:
            raise InvalidChoice(attribute.name, f"must be one of {', '.join(allowed)}", value)

    return check


def _clock(instance: object, attribute: attrs.Attribute[Literal["system"] | datetime], value: object) -> None:
    if value == "system":
        return
    if not isinstance(value, datetime):
        raise InputTypeError("clock", "must be 'system' or an aware datetime (a fixed clock)", value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError("clock", "a fixed clock must be timezone-aware", value)


def _centre(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if value not in available():
        raise InvalidChoice("centre", f"must be one of {', '.join(available())}", value)


@attrs.frozen
class Config:
    """What to build. Each choice names an adapter: ``store="sql"`` keeps everything (the
    verification codes too) in the database at ``url`` — an SQLite file path, or a
    ``postgresql://`` / ``mysql://`` URL — with personal data sealed under ``key`` (at
    least 32 secret bytes; ``key_id`` is stored with each sealed value, for rotation);
    ``migrate=True`` runs the shipped migrations first (``hpf db upgrade``).

    Channels (D-055): ``code_store="redis"`` keeps the verification codes in Redis at
    ``redis_url`` (``hpf_adapters.redis_codes``, namespace ``hpf:<centre>:``, phones hashed
    under ``key``, which it then needs as ``store="sql"`` does); ``"store"`` keeps them in
    the chosen store. ``sms="console"`` prints each text (masked) instead of sending it;
    ``sms="aliyun"`` sends through Alibaba Cloud SMS with the account ``aliyun`` names
    (an ``hpf_adapters.sms_aliyun.AliyunSmsSettings``, extra ``hpf[sms-aliyun]``).

    ``codes="fixed"`` hands out ``fixed_codes`` in order (for tests and examples only);
    ``clock`` is ``"system"`` or a fixed aware instant; ``hasher`` is ``"auto"``
    (argon2id when ``hpf[argon2]`` is installed, else scrypt), ``"argon2"`` or ``"scrypt"``
    (D-045); ``password_cost`` is scrypt's N (RELIABILITY §3: 2**17; examples use 2**10 to
    run fast).
    """

    centre: str = attrs.field(validator=_centre)
    """The centre whose shipped policy applies (``hpf_adapters.policies.available()``)."""
    store: Literal["memory", "sql"] = attrs.field(default="memory", validator=_one_of("memory", "sql"))
    sms: Literal["memory", "console", "aliyun"] = attrs.field(
        default="memory", validator=_one_of("memory", "console", "aliyun")
    )
    codes: Literal["secrets", "fixed"] = attrs.field(default="secrets", validator=_one_of("secrets", "fixed"))
    fixed_codes: tuple[str, ...] = ()
    bank: Literal["memory", "iso20022"] = attrs.field(
        default="memory", validator=_one_of("memory", "iso20022")
    )
    verifier: Literal["memory"] = attrs.field(default="memory", validator=_one_of("memory"))
    clock: Literal["system"] | datetime = attrs.field(default="system", validator=_clock)
    password_cost: int = 2**17
    url: str | None = None
    """The database (``store="sql"``): an SQLite path or a server URL."""
    key: bytes | None = attrs.field(default=None, repr=False)
    """The secret personal data is sealed with (``store="sql"``); never shown in a repr."""
    key_id: str = "k1"
    migrate: bool = False
    # --- issue #15 (D-056): bank payment files and the file-system document store
    payment_log: str | None = None
    """``bank="iso20022"``: the SQLite file where each payment's state is kept."""
    payer_account: str = ""
    """``bank="iso20022"``: the centre's account the payment files debit (DbtrAcct)."""
    payer_bank: str = ""
    """``bank="iso20022"``: the name of the centre's bank (DbtrAgt)."""
    documents: str | None = None
    """``store="sql"`` only: a folder where uploaded documents keep their bytes, with the
    centre policy's limits (``hpf_adapters.documents``); None keeps them in the database."""
    # --- end issue #15

    hasher: Literal["auto", "argon2", "scrypt"] = attrs.field(
        default="auto", validator=_one_of("auto", "argon2", "scrypt")
    )
    # --- channels: codes on Redis and SMS (issue #15, D-055)
    code_store: Literal["store", "redis"] = attrs.field(default="store", validator=_one_of("store", "redis"))
    """Where verification codes live: in the chosen store, or in Redis at ``redis_url``."""
    redis_url: str | None = None
    aliyun: AliyunSmsSettings | None = None
    """The Alibaba Cloud SMS account (``sms="aliyun"``)."""
    # --- end channels

    def __attrs_post_init__(self) -> None:
        if self.store == "sql":
            if not isinstance(self.url, str) or not self.url:
                raise InputError("url", "is required for store='sql'")
            if not isinstance(self.key, bytes) or len(self.key) < 32:
                raise InputError("key", "must be at least 32 secret bytes for store='sql'")
        if self.documents is not None and self.store != "sql":
            raise InputError("documents", "needs store='sql' (the documents' rows live in the database)")
        if self.bank == "iso20022" and not (self.payment_log and self.payer_account and self.payer_bank):
            raise InputError("payment_log", "bank='iso20022' needs payment_log, payer_account and payer_bank")
        if self.bank == "iso20022" and (not isinstance(self.key, bytes) or len(self.key) < 32):
            raise InputError(
                "key", "must be at least 32 secret bytes for bank='iso20022' (it seals the cards)"
            )
        if self.code_store == "redis":
            if not isinstance(self.redis_url, str) or not self.redis_url:
                raise InputError("redis_url", "is required for code_store='redis'")
            if not isinstance(self.key, bytes) or len(self.key) < 32:
                raise InputError("key", "must be at least 32 secret bytes for code_store='redis'")
        if self.sms == "aliyun" and self.aliyun is None:
            raise InputError("aliyun", "the Alibaba Cloud SMS account is required for sms='aliyun'")


def _same(port: object) -> object:
    return port


class Services:
    """A service module's public functions with the app's ports bound: a leading
    ``UnitOfWork`` argument gets a new unit of work per call, and a leading or keyword-only
    argument annotated with a port the app holds (``PaymentChannel``: the bank) gets it
    (a keyword given by the caller wins).

    >>> from datetime import date
    >>> from hpf_core.accounts import Employer, Member, services
    >>> store = MemoryStore()
    >>> accounts = Services(services, store.unit_of_work, {})
    >>> opened = accounts.open_account(account_no="A1", member=Member("M1", "职工", "11010519491231002X"),
    ...                                employer=Employer("E1", "单位"), opened_on=date(2025, 1, 2),
    ...                                base="5000.00", employee_ratio="0.12", employer_ratio="0.12")
    >>> [a.account_no for a in store.accounts]
    ['A1']
    """

    def __init__(
        self, module: ModuleType, new_uow: Callable[[], UnitOfWork], ports: dict[str, object]
    ) -> None:
        self._module = module
        self._new_uow = new_uow
        self._ports = ports

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or name not in getattr(self._module, "__all__", ()):
            raise AttributeError(f"{self._module.__name__} has no service {name!r}")
        bound = self._bind(getattr(self._module, name))
        setattr(self, name, bound)  # bound once: later lookups find it without __getattr__
        return bound

    def _bind(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` with its unit of work and ports supplied, read from its signature."""
        if not inspect.isfunction(function):
            return function
        leading: list[Callable[[], object]] = []
        keywords: dict[str, object] = {}
        positional = True
        for parameter in inspect.signature(function).parameters.values():
            annotation = str(parameter.annotation)
            port = self._ports.get(annotation)
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                if port is not None:
                    keywords[parameter.name] = port
                continue
            if positional and annotation == "UnitOfWork":
                leading.append(self._new_uow)
            elif positional and port is not None:
                leading.append(functools.partial(_same, port))
            else:
                positional = False
        if not leading and not keywords:
            return function

        retry = any(make is self._new_uow for make in leading)

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    return function(*(make() for make in leading), *args, **{**keywords, **kwargs})
                except ConcurrentUpdate:
                    if not retry or attempt == ATTEMPTS:
                        raise
            raise AssertionError("unreachable")  # pragma: no cover

        return call

    def __dir__(self) -> list[str]:
        return sorted(getattr(self._module, "__all__", ()))


@attrs.frozen
class App:
    """What :func:`build` made: the ports and the services bound to them."""

    config: Config
    store: MemoryStore | SqlStore
    """The chosen store (a ``MemoryStore`` or an ``hpf_adapters.sql.SqlStore``), for
    inspection; services go through :attr:`unit_of_work`."""
    unit_of_work: Callable[[], UnitOfWork]
    """A new unit of work over the store, per call."""
    clock: Callable[[], datetime]
    """The current instant (aware)."""
    policy: CenterPolicy
    sms: SmsGateway
    """The SMS gateway ``config.sms`` names (a ``MemorySms`` for ``"memory"``, which keeps
    every text for inspection)."""
    codes: CodeSource
    code_store: VerificationCodeStore
    bank: PaymentChannel
    debits: BankDebit
    """The bank debit of loan instalments (``hpf_core.loans.services.collect_instalment``)."""
    hasher: PasswordHasher
    tokens: TokenSource
    verifier: IdentityVerifier
    accounts: Services
    """``hpf_core.accounts.services`` bound to the store."""
    loans: Services
    """``hpf_core.loans.services`` and ``hpf_core.loans.business`` (the app's loan business
    through the centre: ``apply_for_*``, ``approve_loan_business``) bound to the store and
    the bank debit."""
    withdrawals: Services
    """``hpf_core.withdrawals.services`` bound to the store and the bank."""
    # --- back office, notifications, audit (issue #13, D-053)
    backoffice: Services
    """``hpf_core.backoffice`` bound to the store and the bank (staff steps and jobs)."""

    def relay(
        self, limit: int = 100, *, on_sent: Callable[[Notification], None] | None = None
    ) -> RelayReport:
        """Deliver the outbox's pending notifications through :attr:`sms` now
        (:func:`hpf_adapters.relay.relay`, the notification id as the idempotency key)."""
        return relay(self.unit_of_work, self.sms, self.clock, limit=limit, on_sent=on_sent)

    # --- end back office
    # --- the member app's back end (issue #13, D-052)
    portal: Services
    """``hpf_core.portal`` (the member app's back end, D-052) bound to the store, the
    hasher, the token source, the SMS gateway and code store, the centre's member and
    code rules, its policy and its published data (``CentreInfo``)."""

    @property
    def code_policy(self) -> CodePolicy:
        """The centre's ``[members.codes]`` rules, or the defaults if it sets none."""
        return self.policy.codes or CodePolicy()

    def now(self) -> datetime:
        """The clock's instant."""
        return self.clock()

    def today(self) -> date:
        """The clock's date in China (UTC+8)."""
        return self.clock().astimezone(SHANGHAI).date()

    def send_code(self, phone: str, purpose: CodePurpose | str, *, subject: str = "") -> str:
        """``hpf_core.members.send_code`` now, over the app's SMS gateway, code source,
        code store and the centre's code policy."""
        return send_code(
            phone,
            CodePurpose(purpose),
            self.now(),
            self.code_policy,
            sms=self.sms,
            codes=self.codes,
            store=self.code_store,
            subject=subject,
        )

    def check_code(self, phone: str, purpose: CodePurpose | str, code: object, *, subject: str = "") -> None:
        """``hpf_core.members.check_code`` now, against the app's code store."""
        check_code(
            phone,
            CodePurpose(purpose),
            code,
            self.now(),
            self.code_policy,
            store=self.code_store,
            subject=subject,
        )


def system_clock() -> datetime:
    """The system clock's instant, in China's time zone (the clock ``Config(clock="system")`` uses)."""
    return datetime.now(SHANGHAI)


def _hasher(config: Config) -> PasswordHasher:
    if config.hasher == "argon2":
        return Argon2Hasher()
    if config.hasher == "scrypt":
        return ScryptHasher(n=config.password_cost)
    return default_hasher(config.password_cost)


# D-049: app.loans serves the counter services and the app's loan business (apply_for_*,
# approve_loan_business) as one set, as app.withdrawals serves the whole workflow.
def _loan_modules() -> ModuleType:
    """``hpf_core.loans.services`` and ``hpf_core.loans.business`` as one service module."""
    joined = ModuleType("hpf_core.loans.services")
    names: list[str] = []
    for module in (loan_services, loan_business):
        for name in module.__all__:
            setattr(joined, name, getattr(module, name))
            names.append(name)
    joined.__dict__["__all__"] = names
    return joined


def _portal(new_uow: Callable[[], UnitOfWork], centre: str, ports: dict[str, object]) -> Services:
    """``hpf_core.portal`` bound: every port by its annotation, the unit-of-work factory
    as ``NewUnitOfWork``, and the centre's published data when hpf ships it."""
    info = CentreInfo(None)
    if centre in shipped_centres():
        info = CentreInfo(load_centers().get(centre), load_news(centre), load_outlets(centre))
    return Services(portal, new_uow, {**ports, "NewUnitOfWork": new_uow, "CentreInfo": info})


# --- channels (issue #15, D-055): the extras are imported only when chosen
def _redis_code_store(config: Config) -> VerificationCodeStore:
    from hpf_adapters.redis_codes import RedisCodeStore  # noqa: PLC0415 - the redis extra is optional
    from hpf_adapters.sql import Keyring  # noqa: PLC0415

    assert config.redis_url is not None
    assert config.key is not None
    return RedisCodeStore.from_url(
        config.redis_url, Keyring.from_secret(config.key, config.key_id), centre=config.centre
    )


def _gateway(config: Config) -> SmsGateway:
    if config.sms == "console":
        return ConsoleSms()
    if config.sms == "aliyun":
        from hpf_adapters.sms_aliyun import AliyunSms  # noqa: PLC0415 - the sms-aliyun extra is optional

        assert config.aliyun is not None
        return AliyunSms(config.aliyun)
    return MemorySms()


# --- end channels


def build(config: Config) -> App:
    """Make every adapter ``config`` names and bind the services to them."""
    if not isinstance(config, Config):
        raise InputTypeError("config", "must be a Config", type(config).__name__)
    store: MemoryStore | SqlStore
    code_store: VerificationCodeStore
    if config.store == "sql":
        from hpf_adapters.sql import Keyring, SqlStore, upgrade  # noqa: PLC0415 - the sql extra is optional

        assert config.url is not None
        assert config.key is not None
        if config.migrate:
            upgrade(config.url)
        store = SqlStore(config.url, Keyring.from_secret(config.key, config.key_id))
        code_store = store.code_store()
    else:
        store = MemoryStore()
        code_store = MemoryCodeStore()
    if config.code_store == "redis":
        code_store = _redis_code_store(config)
    fixed = config.clock
    clock: Callable[[], datetime] = system_clock if isinstance(fixed, str) else (lambda: fixed)
    codes: CodeSource = FixedCodes(*config.fixed_codes) if config.codes == "fixed" else SecretsCodes()
    policy = load_policy(config.centre)
    bank: PaymentChannel = MemoryBank()
    debits = MemoryBankDebit()
    new_uow: Callable[[], UnitOfWork] = store.unit_of_work
    # --- issue #15 (D-056): bank payment files and the file-system document store
    if config.bank == "iso20022":
        from hpf_adapters.iso20022 import Debtor, FileChannel, SqlitePaymentLog  # noqa: PLC0415 - optional extra
        from hpf_adapters.sql import Keyring  # noqa: PLC0415 - the sql extra is optional

        assert config.payment_log is not None
        assert config.key is not None
        debtor = Debtor(policy.name, config.payer_account, config.payer_bank)
        sealer = Keyring.from_secret(config.key, config.key_id)
        bank = FileChannel(SqlitePaymentLog(config.payment_log, sealer), debtor)
    if config.documents is not None:
        from hpf_adapters.documents import DocumentLimits, FileDocumentStore  # noqa: PLC0415 - optional extra
        from hpf_adapters.sql import SqlStore  # noqa: PLC0415 - the sql extra is optional

        assert isinstance(store, SqlStore)
        new_uow = FileDocumentStore(store, config.documents, DocumentLimits.from_policy(policy)).unit_of_work
    # --- end issue #15
    ports: dict[str, object] = {"PaymentChannel": bank, "BankDebit": debits}
    ports["BankDebit | None"] = debits  # D-049: an optional bank (approve_loan_business) gets the app's
    sms, hasher, tokens = _gateway(config), _hasher(config), SecretsTokens()
    verifier = MemoryVerifier()
    member_ports: dict[str, object] = {
        "PasswordHasher": hasher,
        "TokenSource": tokens,
        "SmsGateway": sms,
        "CodeSource": codes,
        "VerificationCodeStore": code_store,
        "CodePolicy": policy.codes or CodePolicy(),
        "MemberRules": policy.members,
        "CenterPolicy": policy,
        "IdentityVerifier": verifier,
    }
    return App(
        config=config,
        store=store,
        unit_of_work=new_uow,
        clock=clock,
        policy=policy,
        sms=sms,
        codes=codes,
        code_store=code_store,
        bank=bank,
        debits=debits,
        hasher=hasher,
        tokens=tokens,
        verifier=verifier,
        accounts=Services(account_services, new_uow, ports),
        loans=Services(_loan_modules(), new_uow, ports),
        withdrawals=Services(withdrawal_services, new_uow, ports),
        backoffice=Services(backoffice, new_uow, ports),
        portal=_portal(new_uow, config.centre, {**ports, **member_ports}),
    )
