"""The settings of the features that are off or narrow by default: metrics, sync, the cookie
shared with protected sites."""

from __future__ import annotations

from dataclasses import dataclass, field

from .values import FALSE, TRUE, ConfigError, networks, split

__all__ = [
    "SYNC_MAX_BYTES_CAP",
    "SYNC_MODES",
    "MetricsConfig",
    "cookie_domain",
    "metrics_config",
    "sync_settings",
]


@dataclass(frozen=True)
class MetricsConfig:
    enabled: bool = False
    token: str = field(default="", repr=False)
    #: networks that may read ``/metrics`` without the token
    allow: tuple[str, ...] = ()


def metrics_config(env: dict[str, str]) -> MetricsConfig:
    """``TWOSTEP_METRICS``, ``TWOSTEP_METRICS_TOKEN``, ``TWOSTEP_METRICS_ALLOW``."""
    metrics_on = (env.get("TWOSTEP_METRICS") or "").strip().lower()
    if metrics_on and metrics_on not in TRUE | FALSE:
        raise ConfigError("TWOSTEP_METRICS: expected 1 (on) or 0 (off)")
    return MetricsConfig(
        enabled=metrics_on in TRUE,
        token=(env.get("TWOSTEP_METRICS_TOKEN") or "").strip(),
        allow=networks(env.get("TWOSTEP_METRICS_ALLOW"), "TWOSTEP_METRICS_ALLOW"),
    )


SYNC_MODES = ("off", "domains", "anyone")
SYNC_MAX_BYTES_CAP = 64 * 1024 * 1024


def sync_settings(env: dict[str, str]) -> tuple[str, tuple[str, ...], int]:
    mode = (env.get("TWOSTEP_SYNC") or "off").strip().lower()
    if mode not in SYNC_MODES:
        raise ConfigError("TWOSTEP_SYNC: expected off, domains or anyone")
    domains = tuple(d.lower().lstrip("@") for d in split(env.get("TWOSTEP_SYNC_DOMAINS")))
    if mode == "domains" and not domains:
        raise ConfigError(
            "TWOSTEP_SYNC=domains needs TWOSTEP_SYNC_DOMAINS, e.g. example.com,example.org"
        )
    if any("@" in d or "." not in d for d in domains):
        raise ConfigError("TWOSTEP_SYNC_DOMAINS: expected domain names, e.g. example.com")
    raw = (env.get("TWOSTEP_SYNC_MAX_BYTES") or "").strip()
    try:
        max_bytes = int(raw) if raw else 1024 * 1024
    except ValueError:
        raise ConfigError("TWOSTEP_SYNC_MAX_BYTES: expected a number of bytes") from None
    if not 4096 <= max_bytes <= SYNC_MAX_BYTES_CAP:
        raise ConfigError(f"TWOSTEP_SYNC_MAX_BYTES: expected 4096 to {SYNC_MAX_BYTES_CAP} bytes")
    return mode, domains, max_bytes


def cookie_domain(value: str | None, base_host: str) -> str:
    """``TWOSTEP_COOKIE_DOMAIN``, checked: the base URL's host must be it or under it (else the
    browser drops the cookie and nobody can sign in)."""
    domain = (value or "").strip().lower().lstrip(".")
    if not domain:
        return ""
    host = base_host.lower()
    if "." not in domain or not all(part.isascii() and part for part in domain.split(".")):
        raise ConfigError(
            "TWOSTEP_COOKIE_DOMAIN: expected a parent domain such as example.com (not a single "
            "label: browsers refuse cookies for a top-level domain)"
        )
    if host != domain and not host.endswith("." + domain):
        raise ConfigError(
            f"TWOSTEP_COOKIE_DOMAIN is {domain} but the base URL's host {host} is not under it: "
            "browsers would refuse the cookie. Use a parent domain of the base URL's host."
        )
    return domain
