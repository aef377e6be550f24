"""Settings, read once from the environment (and a `.env` file) into a typed object."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import shlex
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

log = logging.getLogger(__name__)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
MIN_CRON_SECRET_LENGTH = 16
# Where `.env` is read from: the working directory, not the folder bot.py is in.
ENV_FILE = Path(".env")
# The settings Podium reads; a malformed `.env` line is named by its key only when it is one of these.
SETTING_NAMES = (
    "DISCORD_TOKEN",
    "DATABASE_PATH",
    "GUILD_IDS",
    "LOG_LEVEL",
    "LOG_FORMAT",
    "DISCORD_API_BASE",
    "DISPATCH_TICK_SECONDS",
    "RETRY_BASE_SECONDS",
    "SEND_RATE_PER_SECOND",
    "HTTP_PORT",
    "HTTP_HOST",
    "CRON_SECRET",
    "PUBLIC_URL",
    "SHARD_COUNT",
    "CLOCK_FILE",
    "GUILD_READY_TIMEOUT",
)
SECRET_NAMES = ("DISCORD_TOKEN", "CRON_SECRET")
REDACTED = "[redacted]"


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
    # Where the HTTP endpoint is reachable from outside (a reverse proxy): calendar feed links are printed with it.
    public_url: str | None = None
    # Gateway shards: 1 (one session, the default for a community's own bot), N >= 2, or None = as many as Discord
    # recommends (SHARD_COUNT=auto). Discord requires sharding from 2,500 servers on.
    shard_count: int | None = 1
    # Tests and the tour only: the bot's clock reads the instant in this file (podium.clock.FileClock).
    clock_file: Path | None = None
    # Tests only: seconds nextcord waits after the last GUILD_CREATE before on_ready (its own default, 2 s, is
    # right for Discord, where a big account's GUILD_CREATEs trickle in; the loopback fake sends them at once).
    guild_ready_timeout: float = 2.0


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional quotes and `export`."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        # The position, never the bytes: they may be part of the token.
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or type(exc).__name__}") from None
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(_malformed_line(path, number, line, has_equals=bool(sep)))
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _malformed_line(path: Path, number: int, line: str, *, has_equals: bool) -> str:
    """What is wrong with a `.env` line, without a character of its value: the line may hold the token."""
    if has_equals:
        return f"{path}:{number}: the line has no name before '='; expected KEY=VALUE (the line is not shown)"
    # Only one of Podium's own names is echoed: a secret alone on a line can look like a key.
    first = re.split(r"[\s:]", line, maxsplit=1)[0]
    if first in SETTING_NAMES:
        return f"{path}:{number}: {first} has no '='; write it as {first}=... (the value is not shown)"
    return f"{path}:{number}: expected KEY=VALUE; the line has no '=' (the line is not shown)"


def _redacted(message: str, values: Mapping[str, str]) -> str:
    """`message` without the token or cron secret in `values`, in any letter case (a value may be upper-cased)."""
    for name in SECRET_NAMES:
        secret = values.get(name, "").strip()
        # Short strings would blot out ordinary words; a real token or cron secret is long.
        if len(secret) >= 8:
            # Also as repr() shows it: errors quote values with !r, which escapes quotes and backslashes.
            for form in (repr(secret)[1:-1], secret):
                message = re.sub(re.escape(form), REDACTED, message, flags=re.IGNORECASE)
    return message


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


def _api_base(raw: str) -> str | None:
    api_base = raw.strip().rstrip("/") or None
    if api_base is None:
        return None
    parsed = urlparse(api_base)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(
            f"DISCORD_API_BASE: {api_base!r} is not an http(s) URL; e.g. https://discord.com/api/v10 "
            "(or leave it unset)"
        )
    # Every request carries the token: in clear text only as far as this machine's loopback.
    if parsed.scheme == "http" and not is_loopback(parsed.hostname):
        raise ConfigError(
            f"DISCORD_API_BASE: http:// to {parsed.hostname} would send the bot token unencrypted; use https:// "
            "(plain http:// is allowed only to a loopback address: 127.0.0.1, ::1 or localhost)"
        )
    return api_base


def is_loopback(host: str) -> bool:
    """`localhost`, an address in 127.0.0.0/8, or ::1 (names other than localhost are not resolved)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _http_port(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"HTTP_PORT: {raw!r} is not a TCP port (1-65535); e.g. HTTP_PORT=8080, or leave it unset")
    return int(raw)


def _shard_count(raw: str) -> int | None:
    raw = raw.strip().lower()
    if not raw:
        return 1
    if raw == "auto":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 1024:
        raise ConfigError(
            f"SHARD_COUNT: {raw!r} is not a shard count; give a number (1-1024), 'auto' for Discord's "
            "recommendation, or leave it unset (one session)"
        )
    return int(raw)


def _clock_file(raw: str) -> Path | None:
    raw = raw.strip()
    if not raw:
        return None
    path = Path(raw)
    try:
        datetime.fromisoformat(path.read_text(encoding="utf-8").strip()).astimezone(UTC)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"CLOCK_FILE: {raw!r} does not hold an instant like 2026-12-08T09:00:00+00:00 ({exc}); "
            "it is for tests only: leave it unset"
        ) from None
    return path


def _public_url(raw: str) -> str | None:
    url = raw.strip().rstrip("/")
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
        raise ConfigError(
            f"PUBLIC_URL: {url!r} is not a base URL; e.g. PUBLIC_URL=https://podium.example.org (or leave it unset)"
        )
    return url


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


def _values(environ: Mapping[str, str] | None, env_file: Path | None) -> dict[str, str]:
    """The `.env` file's values overlaid by the environment's."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update(read_env_file(env_file))
    values.update(os.environ if environ is None else environ)
    return values


def load_database_path(environ: Mapping[str, str] | None = None, env_file: Path | None = ENV_FILE) -> Path:
    """Only DATABASE_PATH (environment over `.env`): for tools that need no token, like `--backup`."""
    return database_path(_values(environ, env_file))


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = ENV_FILE) -> Settings:
    """Build Settings from `environ` (default os.environ) over the `.env` file; the environment wins."""
    values = _values(environ, env_file)
    try:
        return _settings(values)
    except ConfigError as exc:
        # A secret pasted into the wrong setting would otherwise be echoed in the error.
        raise ConfigError(_redacted(str(exc), values)) from None


def _settings(values: Mapping[str, str]) -> Settings:
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

    api_base = _api_base(values.get("DISCORD_API_BASE", ""))

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
        public_url=_public_url(values.get("PUBLIC_URL", "")),
        shard_count=_shard_count(values.get("SHARD_COUNT", "")),
        clock_file=_clock_file(values.get("CLOCK_FILE", "")),
        guild_ready_timeout=_positive_float(
            "GUILD_READY_TIMEOUT", values.get("GUILD_READY_TIMEOUT", "").strip() or "2", 0.01, 60
        ),
    )


def warn_about_permissions(database: Path, env_file: Path | None = ENV_FILE) -> list[Path]:
    """Log a WARNING for `.env` and each database file that other users may read or change; returns them."""
    files: list[tuple[Path, str]] = []
    if env_file is not None:
        files.append((env_file.absolute(), "the bot token"))
    files += [(database.with_name(database.name + end), "user ids and reminder texts") for end in ("", "-wal", "-shm")]
    return [path for path, holds in files if _warn_if_exposed(path, holds)]


def _warn_if_exposed(path: Path, holds: str) -> bool:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return False
    # Read or write bits for the group or others; execute bits alone expose nothing.
    if not mode & 0o066:
        return False
    log.warning(
        "%s holds %s and other users may read or change it (mode %03o): run chmod 600 %s",
        path,
        holds,
        mode,
        shlex.quote(str(path)),
    )
    return True
