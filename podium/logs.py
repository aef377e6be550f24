"""Log output: plain one-line records or one JSON object per line, with secrets blotted out."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import TextIO

log = logging.getLogger(__name__)

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with each secret (8 characters or more) replaced by [redacted]."""
    return _Redacting(secrets).redact(text)


class _Redacting:
    """Replaces each secret in the final text: a token pasted into an error message never reaches the log."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        # Very short strings would blot out ordinary words; real tokens and secrets are long.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """The text with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message`, secrets redacted."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__(TEXT_FORMAT)
        self._redacting = _Redacting(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line (plus its traceback, if any)."""
        return self._redacting.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (ISO 8601 UTC), level, logger, message, exception."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self._redacting = _Redacting(secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single-line JSON object; a traceback goes into `exception`."""
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # Redact each value, not the JSON text: a secret with a quote or backslash is escaped in JSON.
        entry = {key: self._redacting.redact(value) for key, value in entry.items()}
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: str, *, secrets: Iterable[str | None] = (), stream: TextIO | None = None) -> None:
    """Send every log record to stderr (or `stream`) as text or JSON lines, replacing earlier handlers."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else TextFormatter(secrets))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # warnings.warn() and uncaught exceptions would otherwise write raw text between the JSON lines,
    # and Python's own traceback printer does not redact: an exception's text may hold the token.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("podium").critical("uncaught exception", exc_info=(exc_type, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit or args.exc_value is None:
        return
    logging.getLogger("podium").critical(
        "uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
