import math

import pytest
from prometheus_client.parser import text_string_to_metric_families

from podium.metrics import Metrics


def samples(metrics):
    """{(sample name, sorted label items): value} from the text exposition."""
    body, _ = metrics.render(None)
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def value(metrics, name, **labels):
    return samples(metrics)[(name, tuple(sorted(labels.items())))]


def test_every_series_exists_at_zero_from_the_start():
    metrics = Metrics()
    assert value(metrics, "podium_proactive_messages_total", kind="talk_reminder", outcome="expired") == 0
    assert value(metrics, "podium_proactive_retries_total", kind="weekly_summary") == 0
    assert value(metrics, "podium_outbox_rows", state="sending") == 0


@pytest.mark.parametrize(
    ("outcome", "messages", "retries", "lateness_count"),
    [
        ("sent", 1, 0, 1),
        ("failed", 1, 0, 0),
        ("skipped", 1, 0, 0),
        ("expired", 1, 0, 0),
        ("cancelled", 1, 0, 0),
        ("retry", 0, 1, 0),
    ],
)
def test_record_delivery(outcome, messages, retries, lateness_count):
    metrics = Metrics()
    metrics.record_delivery("personal_reminder", outcome, 0.07)
    found = samples(metrics)
    key = ("podium_proactive_messages_total", (("kind", "personal_reminder"), ("outcome", outcome)))
    assert found.get(key, 0) == messages
    assert value(metrics, "podium_proactive_retries_total", kind="personal_reminder") == retries
    count = found.get(("podium_delivery_lateness_seconds_count", (("kind", "personal_reminder"),)), 0)
    assert count == lateness_count


def test_lateness_lands_in_the_right_bucket():
    metrics = Metrics()
    for lateness in (0.01, 0.07, 4.0, 7200.0):
        metrics.record_delivery("test", "sent", lateness)
    assert value(metrics, "podium_delivery_lateness_seconds_bucket", kind="test", le="0.025") == 1
    assert value(metrics, "podium_delivery_lateness_seconds_bucket", kind="test", le="0.1") == 2
    assert value(metrics, "podium_delivery_lateness_seconds_bucket", kind="test", le="5.0") == 3
    assert value(metrics, "podium_delivery_lateness_seconds_bucket", kind="test", le="3600.0") == 3
    assert value(metrics, "podium_delivery_lateness_seconds_bucket", kind="test", le="+Inf") == 4


def test_commands_and_errors_by_command():
    metrics = Metrics()
    metrics.known_commands(["schedule add", "opt-out"])
    metrics.command_ran("schedule add", outcome="ok")
    metrics.command_ran("schedule add", outcome="failed")
    metrics.command_ran("schedule add", outcome="refused")
    assert value(metrics, "podium_command_invocations_total", command="schedule add") == 3
    assert value(metrics, "podium_command_errors_total", command="schedule add") == 1
    assert value(metrics, "podium_command_refusals_total", command="schedule add") == 1
    assert value(metrics, "podium_command_invocations_total", command="opt-out") == 0


def test_outbox_counts_replace_the_previous_reading():
    metrics = Metrics()
    metrics.set_outbox_counts({"pending": 3, "sent": 10})
    metrics.set_outbox_counts({"sent": 12})
    assert value(metrics, "podium_outbox_rows", state="pending") == 0
    assert value(metrics, "podium_outbox_rows", state="sent") == 12


def test_live_values_are_read_at_scrape_time():
    metrics = Metrics()
    state = {"latency": float("nan"), "connected": False, "last": None, "in_flight": 0}
    metrics.bind(
        gateway_latency=lambda: state["latency"],
        gateway_connected=lambda: state["connected"],
        last_step=lambda: state["last"],
        in_flight=lambda: state["in_flight"],
    )
    assert math.isnan(value(metrics, "podium_gateway_latency_seconds"))
    assert value(metrics, "podium_gateway_connected") == 0
    state.update(latency=0.042, connected=True, last=1_800_000_000.5, in_flight=3)
    assert value(metrics, "podium_gateway_latency_seconds") == 0.042
    assert value(metrics, "podium_gateway_connected") == 1
    assert value(metrics, "podium_dispatcher_last_step_timestamp_seconds") == 1_800_000_000.5
    assert value(metrics, "podium_deliveries_in_flight") == 3


def test_each_bot_has_its_own_registry():
    first, second = Metrics(), Metrics()  # the global registry would refuse the second set of names
    first.record_delivery("test", "sent", 0.1)
    assert value(second, "podium_proactive_messages_total", kind="test", outcome="sent") == 0


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, "text/plain; version=0.0.4; charset=utf-8"),
        ("application/openmetrics-text; version=1.0.0", "application/openmetrics-text"),
    ],
)
def test_format_follows_the_accept_header(accept, content_type):
    body, got = Metrics().render(accept)
    assert got.startswith(content_type)
    assert b"podium_proactive_messages_total" in body
