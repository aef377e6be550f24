"""Settings, read once from the environment (and a `.env` file) into a typed object."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

log = logging.getLogger(__name__)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
MIN_CRON_SECRET_LENGTH = 16


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it and says what to do."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything Podium reads from its environment."""

    # repr=False: the token must never reach a log line or a traceback.
    token: str = field(repr=False)
    database_path: Path = Path("data/podium.db")
    guild_ids: tuple[int, ...] = ()
    log_level: str = "INFO"
    api_base: str | None = None
    # The dispatcher sleeps until the next due row; this is only its safety net.
    dispatch_tick_seconds: float = 30.0
    # First retry delay of a failed delivery; each next one is 4x longer: 10 s -> 6 attempts in ~57 min.
    retry_base_seconds: float = 10.0
    # Below Discord's global 50 requests/s.
    send_rate_per_second: float = 45.0
    # The health/metrics/trigger endpoint is off unless a port is given; loopback unless told otherwise.
    http_port: int | None = None
    http_host: str = "127.0.0.1"
    # repr=False: like the token, it must never reach a log line.
    cron_secret: str | None = field(default=None, repr=False)
    log_format: str = "text"


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes and `export`."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _guild_ids(raw: str) -> tuple[int, ...]:
    ids = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        if not part.isdigit() or not 0 < int(part) < 2**64:
            raise ConfigError(
                f"GUILD_IDS: {part!r} is not a server id; give a comma list of numeric ids, "
                "e.g. GUILD_IDS=123456789012345678,234567890123456789 (or leave it unset for global commands)"
            )
        ids.append(int(part))
    return tuple(dict.fromkeys(ids))


def _positive_float(name: str, raw: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise ConfigError(f"{name}: {raw!r} is not a number between {low:g} and {high:g}")
    return value


def _http_port(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"HTTP_PORT: {raw!r} is not a TCP port (1-65535); e.g. HTTP_PORT=8080, or leave it unset")
    return int(raw)


def _cron_secret(raw: str) -> str | None:
    secret = raw.strip()
    if not secret:
        return None
    # Anyone who guesses it can make the bot send; a short one is guessable.
    if len(secret) < MIN_CRON_SECRET_LENGTH:
        raise ConfigError(
            f"CRON_SECRET is shorter than {MIN_CRON_SECRET_LENGTH} characters; generate one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))' (or leave it unset)"
        )
    return secret


def database_path(values: Mapping[str, str]) -> Path:
    """DATABASE_PATH, or the default."""
    return Path(values.get("DATABASE_PATH", "").strip() or "data/podium.db")


def load_database_path(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Path:
    """Only DATABASE_PATH (environment over `.env`): for tools that need no token, like `--backup`."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update(read_env_file(env_file))
    values.update(os.environ if environ is None else environ)
    return database_path(values)


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")) -> Settings:
    """Build Settings from `environ` (default os.environ) over the `.env` file; the environment wins."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update(read_env_file(env_file))
    values.update(os.environ if environ is None else environ)

    token = values.get("DISCORD_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "DISCORD_TOKEN is not set: put your bot token in the environment or in a .env file "
            "(DISCORD_TOKEN=...); see README.md, 'Create the Discord application'"
        )
    if any(c.isspace() for c in token):
        raise ConfigError("DISCORD_TOKEN contains white space: paste it exactly as the Developer Portal shows it")

    level = values.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL: {level!r} is not one of {', '.join(LOG_LEVELS)}")
    log_format = values.get("LOG_FORMAT", "text").strip().lower() or "text"
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT: {log_format!r} is not one of {', '.join(LOG_FORMATS)}")

    api_base = values.get("DISCORD_API_BASE", "").strip().rstrip("/") or None
    if api_base is not None:
        parsed = urlparse(api_base)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(
                f"DISCORD_API_BASE: {api_base!r} is not an http(s) URL; e.g. https://discord.com/api/v10 "
                "(or leave it unset)"
            )

    return Settings(
        token=token,
        database_path=database_path(values),
        guild_ids=_guild_ids(values.get("GUILD_IDS", "")),
        log_level=level,
        api_base=api_base,
        dispatch_tick_seconds=_positive_float(
            "DISPATCH_TICK_SECONDS", values.get("DISPATCH_TICK_SECONDS", "30"), 1, 60
        ),
        retry_base_seconds=_positive_float("RETRY_BASE_SECONDS", values.get("RETRY_BASE_SECONDS", "10"), 0.01, 3600),
        send_rate_per_second=_positive_float("SEND_RATE_PER_SECOND", values.get("SEND_RATE_PER_SECOND", "45"), 1, 50),
        http_port=_http_port(values.get("HTTP_PORT", "")),
        http_host=values.get("HTTP_HOST", "").strip() or "127.0.0.1",
        cron_secret=_cron_secret(values.get("CRON_SECRET", "")),
        log_format=log_format,
    )
