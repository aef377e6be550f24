"""The scheduled-events world with an audit log that lags behind the gateway, and no audit pause to wait out."""

import pytest

from podium import scheduled_events
from tests.doubles import LaggingAuditLog


@pytest.fixture
def transport(clock):
    return LaggingAuditLog(clock)


@pytest.fixture(autouse=True)
def no_audit_pause(monkeypatch):
    monkeypatch.setattr(scheduled_events, "AUDIT_PAUSE", 0.0)
