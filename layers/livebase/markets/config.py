"""The market table: one typed, validated config per market, read from ``cdk.json`` context.

The same file drives CDK synth, the local AWS and the flows, so a bad table is refused here,
once, with a message that names the market and the field. Which ``cdk.json``: ``$LIVEBASE_CDK_JSON``,
else the nearest one from the working directory up (never a path relative to this file, which
sits in site-packages or a Lambda layer). CDK synth reads the table through CDK context instead
(:func:`markets_from_context`), so ``-c markets='{...}'`` overrides it there.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from livebase.lifecycle.settings import LifecycleSettings
from livebase.markets.commerce_rules import CommerceRules
from livebase.markets.deployment import EdgeSettings, FunctionSettings

CDK_JSON_ENV = "LIVEBASE_CDK_JSON"


def cdk_json_path(start: Path | None = None) -> Path:
    """The project's ``cdk.json``: ``$LIVEBASE_CDK_JSON``, else the nearest from ``start`` (the cwd) up.

    When none exists the cwd's (absent) ``cdk.json`` is returned; reading it says so.
    """
    explicit = os.environ.get(CDK_JSON_ENV)
    if explicit:
        return Path(explicit).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "cdk.json").is_file():
            return folder / "cdk.json"
    return here / "cdk.json"


# For callers that want a constant: resolved on first use (a Lambda importing this module never
# searches the file system for cdk.json), then kept; load_markets() resolves per call.
DEFAULT_CDK_JSON: Path  # cdk_json_path() from the working directory of the first use
PROJECT_ROOT: Path  # the folder of that cdk.json (the repository root)


@cache
def _resolved_constants() -> dict[str, Path]:
    found = cdk_json_path()
    return {"DEFAULT_CDK_JSON": found, "PROJECT_ROOT": found.parent}


def __getattr__(name: str) -> Path:
    """``DEFAULT_CDK_JSON`` and ``PROJECT_ROOT``, computed the first time one is read (PEP 562)."""
    constants = _resolved_constants()
    if name in constants:
        return constants[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Regions a market may be pinned to. Kept explicit so a typo ("eu-centrl-1") fails at load time.
AWS_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
        "sa-east-1", "mx-central-1", "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2",
        "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2", "me-central-1", "me-south-1",
        "il-central-1", "af-south-1", "ap-east-1", "ap-south-1", "ap-south-2", "ap-southeast-1",
        "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    }
)  # fmt: skip

# ISO 4217 codes of the currencies Livebase settles in.
CURRENCIES = frozenset(
    {"SGD", "MYR", "THB", "IDR", "VND", "PHP", "AED", "SAR", "QAR", "KWD", "BHD", "OMR", "EUR",
     "GBP", "CHF", "SEK", "PLN", "USD", "CAD", "MXN", "JPY", "KRW", "CNY", "HKD", "AUD"}
)  # fmt: skip


class ResidencyMode(StrEnum):
    """How strictly a market keeps personal data at home."""

    STANDARD = "standard"  # personal data stays in-region; aggregates may leave
    STRICT = "strict"  # as standard, plus synth fails on any cross-region construct
    AGGREGATES_ONLY = "aggregates-only"  # receives only aggregates and pseudonymised keys


class CulturalRules(BaseModel):
    """What a market's listings and calendar must respect."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    banned_listing_categories: tuple[str, ...] = ()
    festivals: tuple[str, ...] = ()
    modest_apparel: bool = False  # apparel must be flagged modest in the catalogue (session planning)


class AlertThresholds(BaseModel):
    """Room-alert tuning per market (statistical levels, not fixed cut-offs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conversion_drop_p_value: Annotated[float, Field(gt=0, lt=0.5)] = 0.01
    conversion_baseline_minutes: Annotated[int, Field(ge=3, le=240)] = 30
    conversion_window_minutes: Annotated[int, Field(ge=1, le=60)] = 5
    sentiment_spike_z: Annotated[float, Field(gt=0)] = 3.0
    sentiment_min_comments: Annotated[int, Field(ge=1)] = 20
    sentiment_window_minutes: Annotated[int, Field(ge=1, le=60)] = 2
    sentiment_baseline_minutes: Annotated[int, Field(ge=3, le=240)] = 30
    viewer_drop_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.3
    viewer_drop_lookback_minutes: Annotated[int, Field(ge=1, le=60)] = 5
    viewer_drop_min_peak: Annotated[int, Field(ge=1)] = 30
    edge_shift_target_ratio: Annotated[float, Field(gt=0, le=1)] = 0.8
    edge_cpu_overload: Annotated[float, Field(gt=0, le=1)] = 0.85
    edge_error_rate_overload: Annotated[float, Field(gt=0, le=1)] = 0.05
    low_stock_units: Annotated[int, Field(ge=0)] = 100


# Deliberately plain: a mailbox SNS can deliver to, not a full RFC 5322 parser.
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# Secrets Manager secret names (letters, digits, /_+=.@-), as AWS allows them.
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        raise ValueError(f"must be an https:// URL with a host and no credentials, got {value!r}")
    if parts.fragment:
        raise ValueError(f"must not carry a #fragment, got {value!r}")
    return value


def _one_of(value: str, allowed: frozenset[str], refusal: str) -> str:
    """``value`` if it is one of ``allowed``; else the refusal, naming the value."""
    if value not in allowed:
        raise ValueError(f"{refusal} {value!r}")
    return value


# The fields checked against a closed list, and how a value outside it is refused.
_KNOWN_VALUES = {
    "region": (AWS_REGIONS, "unknown AWS region"),
    "currency": (CURRENCIES, "unknown or unsupported ISO 4217 currency"),
}


def _unique(value: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(value)) != len(value):
        raise ValueError(f"duplicate entry in {list(value)}")
    return value


class OpsContacts(BaseModel):
    """Who hears of the market's room alerts: SNS email and HTTPS (chat webhook) subscriptions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    emails: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()

    @field_validator("emails")
    @classmethod
    def _mailboxes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [address for address in value if not _EMAIL.match(address)]
        if bad:
            raise ValueError(f"not an email address: {bad}")
        return _unique(value)

    @field_validator("webhooks")
    @classmethod
    def _webhooks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for url in value:
            _https_url(url)
        return _unique(value)


class PrefectApi(BaseModel):
    """The market's Prefect API (Cloud workspace or self-hosted): events are POSTed to ``<api_url>/events``.

    ``api_key_secret_name``: a Secrets Manager secret in the market's region holding the whole
    ``Authorization`` header value (``Bearer <key>``); it never appears in the template.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_url: str
    api_key_secret_name: str

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return _https_url(value).rstrip("/")

    @field_validator("api_key_secret_name")
    @classmethod
    def _secret_name(cls, value: str) -> str:
        if not _SECRET_NAME.match(value):
            raise ValueError(f"not a Secrets Manager secret name: {value!r}")
        return value


class Retention(BaseModel):
    """Days each store of personal data keeps it: DynamoDB TTL written by the stores, S3 lifecycle
    rules on the data-lake prefixes (``livebase.privacy.retention``). Minimisation: nothing personal
    is kept for ever."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    orders_days: Annotated[int, Field(ge=30, le=3650)] = 730  # the order item (pseudonymous buyer)
    consent_days: Annotated[int, Field(ge=30, le=3650)] = 730  # a consent record after its last change
    quarantine_days: Annotated[int, Field(ge=1, le=365)] = 30  # quarantined records (may name a viewer)
    recall_days: Annotated[int, Field(ge=1, le=365)] = 90  # recall / segment lists (recall/<market>/)
    receipts_days: Annotated[int, Field(ge=30, le=3650)] = 1095  # erasure receipts (no personal data)


class Market(BaseModel):
    """One market: where its data lives and how it sells."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,11}$")]
    name: str
    region: str
    currency: str
    languages: Annotated[tuple[str, ...], Field(min_length=1)]
    time_zone: str
    residency: ResidencyMode
    cultural_rules: CulturalRules = CulturalRules()
    alerts: AlertThresholds = AlertThresholds()
    medialive: bool = False
    # Where the host's video is served when the home Region offers neither IVS nor MediaLive: a
    # media-only stack there (infra_cdk/media_stack.py), no viewer data. None: video at home.
    media_region: str | None = None
    edge_locations: Annotated[tuple[str, ...], Field(min_length=1)]
    ops_contacts: OpsContacts = OpsContacts()
    prefect: PrefectApi | None = None
    retention: Retention = Retention()
    functions: FunctionSettings = FunctionSettings()  # reserved concurrency, VPC (livebase.markets.deployment)
    edge: EdgeSettings = EdgeSettings()  # replay domain, certificate, CloudFront web ACL
    commerce: CommerceRules = CommerceRules()  # returns, refunds, limits, prices (markets.commerce_rules)
    # An exchange rate older than this is refused by the hq roll-up (livebase.aggregates.rates, docs/fx-rates.md).
    fx_max_rate_age_days: Annotated[int, Field(ge=1, le=366)] = 45
    lifecycle: LifecycleSettings = LifecycleSettings()  # stages and recall delivery (lifecycle.settings)

    @property
    def stack_name(self) -> str:
        return f"Livebase-{self.id}"

    @property
    def holds_personal_data(self) -> bool:
        return self.residency is not ResidencyMode.AGGREGATES_ONLY

    def handler_config_json(self) -> str:
        """The config a stream handler reads (``MARKET_CONFIG``): not who is told, nor where Prefect is,
        nor how the stack is deployed."""
        return self.model_dump_json(exclude={"ops_contacts", "prefect", "functions", "edge"})

    @model_validator(mode="after")
    def _edge_residency(self) -> Market:
        if self.edge.web_acl_arn and self.residency is ResidencyMode.STRICT:
            raise ValueError(
                "edge.web_acl_arn: a CloudFront web ACL lives in us-east-1 and keeps sampled requests "
                "(viewer IPs) there; strict residency refuses it (README: Infrastructure security)"
            )
        return self

    @field_validator("region", "currency")
    @classmethod
    def _known_value(cls, value: str, info: ValidationInfo) -> str:
        allowed, refusal = _KNOWN_VALUES[str(info.field_name)]
        return _one_of(value, allowed, refusal)

    @field_validator("media_region")
    @classmethod
    def _known_media_region(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if value == info.data.get("region"):
            raise ValueError(f"is the market's own region {value!r}: leave it out to serve video at home")
        return _one_of(value, AWS_REGIONS, "unknown AWS region")

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [code for code in value if not (len(code) == 2 and code.isalpha() and code.islower())]
        if bad:
            raise ValueError(f"languages must be ISO 639-1 codes, got {bad}")
        if len(set(value)) != len(value):
            raise ValueError(f"duplicate language in {list(value)}")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value


class MarketConfigError(ValueError):
    """The market table is unusable; the message says which market and field."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise MarketConfigError(f"duplicate key {key!r} in market config")
        seen[key] = value
    return seen


def parse_markets(table: Mapping[str, Any]) -> dict[str, Market]:
    """Validate a ``{market_id: {...}}`` table; raise :class:`MarketConfigError` on any fault."""
    if not isinstance(table, Mapping) or not table:
        raise MarketConfigError("market config must be a non-empty mapping of market id to settings")
    markets: dict[str, Market] = {}
    for market_id, settings in table.items():
        if not isinstance(settings, Mapping):
            raise MarketConfigError(f"market {market_id!r}: settings must be an object")
        if "id" in settings and settings["id"] != market_id:
            raise MarketConfigError(f"market {market_id!r}: id field {settings['id']!r} disagrees with its key")
        try:
            markets[market_id] = Market.model_validate({**settings, "id": market_id})
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or '(market)'}: {e['msg']}" for e in error.errors()
            )
            raise MarketConfigError(f"market {market_id!r}: {problems}") from None
    aggregate_sinks = [m.id for m in markets.values() if m.residency is ResidencyMode.AGGREGATES_ONLY]
    if len(aggregate_sinks) > 1:
        raise MarketConfigError(f"only one aggregates-only (hq) market is allowed, got {aggregate_sinks}")
    return markets


def read_json(source: Path) -> dict[str, Any]:
    """A JSON object file (``cdk.json``, ``cdk.context.json``); duplicate keys are refused."""
    try:
        document = json.loads(source.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicate_keys)
    except FileNotFoundError:
        raise MarketConfigError(
            f"market config file not found: {source} (run from the project folder, or set {CDK_JSON_ENV})"
        ) from None
    except json.JSONDecodeError as error:
        raise MarketConfigError(f"{source} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise MarketConfigError(f"{source} must hold a JSON object")
    return document


def load_markets(path: Path | str | None = None) -> dict[str, Market]:
    """Read and validate the ``markets`` table from a ``cdk.json`` (:func:`cdk_json_path` by default)."""
    source = Path(path) if path else cdk_json_path()
    table = read_json(source).get("context", {}).get("markets")
    if table is None:
        raise MarketConfigError(f"{source} has no context.markets table")
    return parse_markets(table)


def markets_from_context(value: object) -> dict[str, Market]:
    """The ``markets`` CDK context value: a table (``cdk.json``) or its JSON text (``-c markets='{...}'``)."""
    if value is None:
        raise MarketConfigError("no markets in the CDK context: set cdk.json context.markets or -c markets='{...}'")
    if isinstance(value, str):
        try:
            value = json.loads(value, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as error:
            raise MarketConfigError(f"context value markets is not a JSON object: {error}") from None
    if not isinstance(value, Mapping):
        raise MarketConfigError(f"context value markets must be an object of market id to settings, got {value!r}")
    return parse_markets(value)


def selling_markets(markets: Mapping[str, Market]) -> list[Market]:
    """The markets that hold personal data and sell (everything but the hq aggregate sink)."""
    return [m for m in markets.values() if m.holds_personal_data]


def find_hq_market(markets: Mapping[str, Market]) -> Market | None:
    """The aggregates-only market (hq) of the table, if it has one (:func:`parse_markets` allows at most one)."""
    return next((m for m in markets.values() if not m.holds_personal_data), None)


def hq_market(markets: Mapping[str, Market]) -> Market:
    """The aggregates-only market (hq): where the selling markets' aggregates go."""
    hq = find_hq_market(markets)
    if hq is None:
        raise MarketConfigError("the market table has no aggregates-only (hq) market")
    return hq
