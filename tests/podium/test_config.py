import logging
from pathlib import Path

import pytest

from podium.config import (
    ConfigError,
    Settings,
    load_database_path,
    load_settings,
    read_env_file,
    warn_about_permissions,
)

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.abc.def"


def test_defaults_with_only_a_token():
    settings = load_settings({"DISCORD_TOKEN": TOKEN}, env_file=None)
    assert settings == Settings(token=TOKEN)
    assert settings.database_path == Path("data/podium.db")


def test_token_is_never_in_repr():
    assert TOKEN not in repr(load_settings({"DISCORD_TOKEN": TOKEN}, env_file=None))


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": "   "}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": "abc def"}, "DISCORD_TOKEN"),
        ({"DISCORD_TOKEN": TOKEN, "GUILD_IDS": "12,abc"}, "GUILD_IDS"),
        ({"DISCORD_TOKEN": TOKEN, "GUILD_IDS": "-5"}, "GUILD_IDS"),
        ({"DISCORD_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": "localhost:80"}, "DISCORD_API_BASE"),
        ({"DISCORD_TOKEN": TOKEN, "DISPATCH_TICK_SECONDS": "600"}, "DISPATCH_TICK_SECONDS"),
        ({"DISCORD_TOKEN": TOKEN, "RETRY_BASE_SECONDS": "x"}, "RETRY_BASE_SECONDS"),
        ({"DISCORD_TOKEN": TOKEN, "SEND_RATE_PER_SECOND": "80"}, "SEND_RATE_PER_SECOND"),
    ],
)
def test_bad_values_name_the_variable(environ, names):
    with pytest.raises(ConfigError, match=names):
        load_settings(environ, env_file=None)


def test_parsed_values():
    settings = load_settings(
        {
            "DISCORD_TOKEN": TOKEN,
            "GUILD_IDS": " 1, 2 ,2,",
            "LOG_LEVEL": "debug",
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10/",
            "DATABASE_PATH": "/tmp/x/y.db",
            "RETRY_BASE_SECONDS": "0.5",
        },
        env_file=None,
    )
    assert settings.guild_ids == (1, 2)
    assert settings.log_level == "DEBUG"
    assert settings.api_base == "http://127.0.0.1:9/api/v10"
    assert settings.database_path == Path("/tmp/x/y.db")
    assert settings.retry_base_seconds == 0.5


def test_env_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# comment\nexport DISCORD_TOKEN=\"from-file\"\nLOG_LEVEL=WARNING\n\nDATABASE_PATH='x.db'\n", encoding="utf-8"
    )
    settings = load_settings({"LOG_LEVEL": "ERROR"}, env_file=env_file)
    assert settings.token == "from-file"
    assert settings.log_level == "ERROR"
    assert settings.database_path == Path("x.db")


def test_malformed_env_file_line_is_named(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=x\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.env:2"):
        load_settings({}, env_file=env_file)


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({"HTTP_PORT": "http"}, "HTTP_PORT"),
        ({"HTTP_PORT": "0"}, "HTTP_PORT"),
        ({"HTTP_PORT": "70000"}, "HTTP_PORT"),
        ({"HTTP_PORT": "-1"}, "HTTP_PORT"),
        ({"CRON_SECRET": "short"}, "CRON_SECRET"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT"),
        ({"SHARD_COUNT": "two"}, "SHARD_COUNT"),
        ({"GUILD_READY_TIMEOUT": "soon"}, "GUILD_READY_TIMEOUT"),
        ({"GUILD_READY_TIMEOUT": "0"}, "GUILD_READY_TIMEOUT"),
    ],
)
def test_bad_operations_settings_name_the_variable(environ, name):
    with pytest.raises(ConfigError, match=name):
        load_settings({"DISCORD_TOKEN": TOKEN, **environ}, env_file=None)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, {"http_port": None, "http_host": "127.0.0.1", "cron_secret": None, "log_format": "text"}),
        ({"HTTP_PORT": " 8080 ", "HTTP_HOST": "0.0.0.0"}, {"http_port": 8080, "http_host": "0.0.0.0"}),
        ({"HTTP_PORT": "", "CRON_SECRET": "  "}, {"http_port": None, "cron_secret": None}),
        ({"CRON_SECRET": "x" * 16}, {"cron_secret": "x" * 16}),
        ({"LOG_FORMAT": "JSON"}, {"log_format": "json"}),
        # One gateway session unless asked; "auto" is Discord's recommended count (None).
        ({}, {"shard_count": 1}),
        ({"SHARD_COUNT": " 4 "}, {"shard_count": 4}),
        ({"SHARD_COUNT": "Auto"}, {"shard_count": None}),
        # nextcord's own 2 s unless a test asks for less (tests/botprocess.py).
        ({}, {"guild_ready_timeout": 2.0}),
        ({"GUILD_READY_TIMEOUT": ""}, {"guild_ready_timeout": 2.0}),
        ({"GUILD_READY_TIMEOUT": "0.2"}, {"guild_ready_timeout": 0.2}),
    ],
)
def test_operations_settings(environ, expected):
    settings = load_settings({"DISCORD_TOKEN": TOKEN, **environ}, env_file=None)
    assert {key: getattr(settings, key) for key in expected} == expected


def test_cron_secret_is_never_in_repr():
    secret = "a-cron-secret-nobody-should-see"
    assert secret not in repr(load_settings({"DISCORD_TOKEN": TOKEN, "CRON_SECRET": secret}, env_file=None))


def test_database_path_alone_needs_no_token(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_PATH=from-file.db\n", encoding="utf-8")
    assert load_database_path({}, env_file=env_file) == Path("from-file.db")
    assert load_database_path({"DATABASE_PATH": "env.db"}, env_file=env_file) == Path("env.db")
    assert load_database_path({}, env_file=None) == Path("data/podium.db")


# The shape of a real bot token (base64 application id . timestamp . HMAC); made up, it opens nothing.
REAL_SHAPE = "MTE5ODc2NTQzMjEwOTg3NjU0Mw.GxY7Qz.kP3vN8wLmR2tYq9ZaB4cD6eF1gH0iJ5kLm7nOp"
# A cron secret that looks like a key name (letters, digits, underscore), as token_urlsafe can give.
CRON = "q7Zr2mVx9LkP4tNw8YbC3dHf_x"


def assert_no_secret(message):
    for secret in (REAL_SHAPE, CRON):
        assert secret not in message
        assert secret.lower() not in message.lower()
    for part in REAL_SHAPE.split("."):
        assert part not in message


@pytest.mark.parametrize("loader", [load_settings, load_database_path], ids=["settings", "backup"])
@pytest.mark.parametrize(
    ("line", "named"),
    [
        (f"DISCORD_TOKEN {REAL_SHAPE}", "DISCORD_TOKEN"),
        (f"DISCORD_TOKEN: {REAL_SHAPE}", "DISCORD_TOKEN"),
        (f"export DISCORD_TOKEN {REAL_SHAPE}", "DISCORD_TOKEN"),
        (f"  DISCORD_TOKEN\t{REAL_SHAPE}  ", "DISCORD_TOKEN"),
        (f"CRON_SECRET {CRON}", "CRON_SECRET"),
        (REAL_SHAPE, None),
        (f"={REAL_SHAPE}", None),
        (f" = {CRON}", None),
        # Alone on a line, a secret can look like a key name: only Podium's own setting names are named.
        (CRON, None),
    ],
    ids=["space", "colon", "export", "tab", "cron-secret", "bare-token", "no-key", "no-key-spaces", "bare-secret"],
)
def test_a_malformed_env_line_names_its_number_and_key_never_its_value(tmp_path, loader, line, named):
    env_file = tmp_path / ".env"
    env_file.write_text(f"# Podium\nLOG_LEVEL=INFO\n{line}\nGUILD_IDS=\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        loader({}, env_file=env_file)
    message = str(caught.value)
    assert f"{env_file}:3:" in message
    assert_no_secret(message)
    if named:
        assert named in message


@pytest.mark.parametrize("secret_name", ["DISCORD_TOKEN", "CRON_SECRET"])
@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("GUILD_IDS", "123,{}"),
        ("LOG_LEVEL", "{}"),
        ("LOG_FORMAT", "{}"),
        ("DISCORD_API_BASE", "{}"),
        ("DISCORD_API_BASE", "ftp://host/{}"),
        ("DISPATCH_TICK_SECONDS", "{}"),
        ("RETRY_BASE_SECONDS", "{}"),
        ("SEND_RATE_PER_SECOND", "{}"),
        ("HTTP_PORT", "{}"),
    ],
)
def test_a_secret_pasted_into_another_setting_is_not_echoed(tmp_path, secret_name, name, template):
    secret = REAL_SHAPE if secret_name == "DISCORD_TOKEN" else CRON
    # From the environment and from the .env file alike.
    environ = {"DISCORD_TOKEN": REAL_SHAPE, "CRON_SECRET": CRON, name: template.format(secret)}
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in environ.items()), encoding="utf-8")
    for source in ({"environ": environ, "env_file": None}, {"environ": {}, "env_file": env_file}):
        with pytest.raises(ConfigError, match=name) as caught:
            load_settings(**source)
        assert_no_secret(str(caught.value))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"DISCORD_TOKEN=\xff\xfe\n", "not UTF-8"),
        (None, "cannot read"),  # a folder where the file should be
    ],
)
def test_an_unreadable_env_file_is_a_config_error(tmp_path, content, expected):
    env_file = tmp_path / ".env"
    if content is None:
        env_file.mkdir()
        (env_file / "x").write_text("y", encoding="utf-8")
    else:
        env_file.write_bytes(content)
    with pytest.raises(ConfigError, match=expected):
        read_env_file(env_file)


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://discord.com/api/v10", True),
        ("https://proxy.example.org:8443/api/v10/", True),
        ("HTTPS://discord.com/api/v10", True),
        ("http://127.0.0.1:8080/api/v10", True),
        ("http://127.1.2.3/api/v10", True),
        ("http://[::1]:9000/api/v10", True),
        ("http://localhost:9000/api/v10", True),
        ("http://LocalHost/api/v10", True),
        # Plain HTTP anywhere else would carry the token in clear text.
        ("http://proxy.example.org/api/v10", False),
        ("http://10.0.0.5:8080/api/v10", False),
        ("http://192.168.1.2/api/v10", False),
        ("http://0.0.0.0:8080/api/v10", False),
        ("http://[::ffff:10.0.0.1]/api/v10", False),
        ("http://127.0.0.1.example.org/api/v10", False),
        ("http://localhost.example.org/api/v10", False),
        ("http://evil.example@127.0.0.1.example.org/", False),
        ("ftp://127.0.0.1/api", False),
        ("localhost:80", False),
        ("https://", False),
    ],
)
def test_discord_api_base_needs_https_except_on_loopback(url, accepted):
    environ = {"DISCORD_TOKEN": TOKEN, "DISCORD_API_BASE": url}
    if accepted:
        assert load_settings(environ, env_file=None).api_base == url.rstrip("/")
    else:
        with pytest.raises(ConfigError, match="DISCORD_API_BASE") as caught:
            load_settings(environ, env_file=None)
        if url.lower().startswith("http://"):
            assert "https://" in str(caught.value)


@pytest.mark.parametrize(
    ("mode", "warned"),
    [
        (0o600, False),
        (0o400, False),
        (0o700, False),
        (0o610, False),  # execute bits let no one read or change it
        (0o640, True),
        (0o620, True),
        (0o604, True),
        (0o602, True),
        (0o644, True),
        (0o666, True),
    ],
)
def test_files_others_may_read_or_change_are_warned_about(tmp_path, caplog, mode, warned):
    env_file = tmp_path / ".env"
    env_file.write_text(f"DISCORD_TOKEN={REAL_SHAPE}\n", encoding="utf-8")
    database = tmp_path / "data" / "podium.db"
    database.parent.mkdir()
    for path in (env_file, database, database.with_name("podium.db-wal")):
        path.touch()
        path.chmod(mode)
    with caplog.at_level(logging.WARNING, logger="podium.config"):
        exposed = warn_about_permissions(database, env_file=env_file)
    assert exposed == ([env_file, database, database.with_name("podium.db-wal")] if warned else [])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == len(exposed)
    for record, path in zip(warnings, exposed, strict=True):
        assert str(path) in record.getMessage()
        assert f"chmod 600 {path}" in record.getMessage()
        assert REAL_SHAPE not in record.getMessage()


def test_missing_files_are_not_warned_about(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        assert warn_about_permissions(tmp_path / "none.db", env_file=tmp_path / ".env") == []
    assert caplog.records == []


async def test_a_new_settings_row_takes_the_read_models_defaults_not_the_schemas(db):
    """Defaults are defined once, in GuildSettings/UserPreferences; the schema's DEFAULTs must agree anyway."""
    from datetime import UTC, datetime

    from podium.preferences import GuildSettings, UserPreferences, load_guild, load_user, update_guild, update_user

    now = datetime(2026, 12, 1, tzinfo=UTC)
    async with db.transaction() as tx:
        await update_guild(tx, 1, now, log_channel_id=5)
        await update_user(tx, 2, now, timezone="Europe/Berlin")
        # Rows made by plain SQL (old releases, hand-written fixes) get the schema's DEFAULTs.
        await tx.execute("INSERT INTO guild_settings (guild_id, created_at_ms, updated_at_ms) VALUES (3, 0, 0)")
        await tx.execute("INSERT INTO users (user_id, created_at_ms, updated_at_ms) VALUES (4, 0, 0)")
    assert await load_guild(db, 1) == GuildSettings(1, log_channel_id=5)
    assert await load_user(db, 2) == UserPreferences(2, timezone="Europe/Berlin")
    assert await load_guild(db, 3) == GuildSettings(3)
    assert await load_user(db, 4) == UserPreferences(4)
