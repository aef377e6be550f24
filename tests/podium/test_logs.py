import io
import json
import logging
import sys
import threading
import warnings
from datetime import UTC, datetime

import pytest

from podium.logs import REDACTED, JsonFormatter, TextFormatter, configure

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.abc.secret-part-of-the-token"


def record(message, *args, exc_info=None, name="podium.dispatcher", level=logging.INFO):
    return logging.LogRecord(name, level, __file__, 1, message, args, exc_info)


def test_json_line_has_the_documented_fields():
    line = JsonFormatter().format(record("outbox %d outcome=%s", 7, "sent"))
    assert "\n" not in line
    entry = json.loads(line)
    assert set(entry) == {"timestamp", "level", "logger", "message"}
    assert entry["level"] == "INFO"
    assert entry["logger"] == "podium.dispatcher"
    assert entry["message"] == "outbox 7 outcome=sent"
    stamp = datetime.fromisoformat(entry["timestamp"])
    assert stamp.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 5


def test_json_line_carries_the_exception_text():
    try:
        raise ValueError("boom\nsecond line")
    except ValueError as exc:
        line = JsonFormatter().format(record("it failed", exc_info=(type(exc), exc, exc.__traceback__)))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: boom\nsecond line" in entry["exception"]


@pytest.mark.parametrize("formatter", [JsonFormatter, TextFormatter])
@pytest.mark.parametrize(
    "where",
    ["message", "argument", "exception"],
)
def test_secrets_never_reach_the_output(formatter, where):
    exc_info = None
    message, args = "request failed", ()
    if where == "message":
        message = f"Authorization: Bot {TOKEN}"
    elif where == "argument":
        message, args = "header %s", (f"Bot {TOKEN}",)
    else:
        try:
            raise RuntimeError(f"bad token {TOKEN}")
        except RuntimeError as exc:
            exc_info = (type(exc), exc, exc.__traceback__)
    out = formatter(secrets=[TOKEN, None, "short"]).format(record(message, *args, exc_info=exc_info))
    assert TOKEN not in out
    assert "secret-part" not in out
    assert REDACTED in out


def test_short_secrets_are_not_redacted_everywhere():
    # A one-letter "secret" would blot out every 'e' of every line.
    assert TextFormatter(secrets=["e"]).format(record("hello there")).endswith("hello there")


@pytest.mark.parametrize(("fmt", "is_json"), [("json", True), ("text", False)])
def test_configure_routes_every_logger(fmt, is_json, monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    stream = io.StringIO()
    configure("INFO", fmt, secrets=[TOKEN], stream=stream)
    logging.getLogger("nextcord.gateway").warning("token %s rejected", TOKEN)
    logging.getLogger("podium").debug("not shown at INFO")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert TOKEN not in lines[0]
    if is_json:
        assert json.loads(lines[0])["logger"] == "nextcord.gateway"
    else:
        assert " WARNING nextcord.gateway: token [redacted] rejected" in lines[0]


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_an_uncaught_exception_is_logged_redacted(fmt, monkeypatch, capsys):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    stream = io.StringIO()
    configure("INFO", fmt, secrets=[TOKEN], stream=stream)
    try:
        raise RuntimeError(f"Discord said no to {TOKEN}")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    out = stream.getvalue() + capsys.readouterr().err
    assert "RuntimeError" in out
    assert TOKEN not in out
    assert "secret-part" not in out
