"""Prometheus metrics of one bot, in a registry of its own (tests run several bots in one process)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from podium.delivery import kinds
from podium.delivery.outbox import FINAL_STATES

log = logging.getLogger(__name__)

OUTBOX_STATES = ("pending", "sending", *FINAL_STATES)
# From "on time" to "the bot was down for an hour": the dispatcher aims at tens of milliseconds.
LATENESS_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, float("inf"))


class Metrics:
    """The counters, gauges and histograms Podium exports on /metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.messages = Counter(
            "podium_proactive_messages",
            "Proactive messages handled, by kind and final outcome (sent, failed, skipped, expired, cancelled)",
            ["kind", "outcome"],
            registry=registry,
        )
        self.retries = Counter(
            "podium_proactive_retries",
            "Deliveries that failed transiently and were put back in the queue for a later attempt",
            ["kind"],
            registry=registry,
        )
        self.lateness = Histogram(
            "podium_delivery_lateness_seconds",
            "Seconds from a message's due time to its successful delivery",
            ["kind"],
            buckets=LATENESS_BUCKETS,
            registry=registry,
        )
        self.outbox_rows = Gauge(
            "podium_outbox_rows",
            "Rows in the outbox, by state (pending/sending read at each scrape, final states once a minute)",
            ["state"],
            registry=registry,
        )
        self.commands = Counter(
            "podium_command_invocations", "Slash commands run, by command", ["command"], registry=registry
        )
        self.command_errors = Counter(
            "podium_command_errors",
            "Slash commands that failed on Podium's side (an unexpected error), by command",
            ["command"],
            registry=registry,
        )
        self.command_refusals = Counter(
            "podium_command_refusals",
            "Slash commands refused as the person's mistake (bad input, no right to do it), by command",
            ["command"],
            registry=registry,
        )
        self.gateway_latency = Gauge(
            "podium_gateway_latency_seconds",
            "Time between the last gateway heartbeat and its acknowledgement (NaN before the first one)",
            registry=registry,
        )
        self.gateway_connected = Gauge(
            "podium_gateway_connected", "1 while the gateway session is connected and ready", registry=registry
        )
        self.dispatcher_last_step = Gauge(
            "podium_dispatcher_last_step_timestamp_seconds",
            "Unix time of the dispatcher loop's last pass (it runs at least every DISPATCH_TICK_SECONDS)",
            registry=registry,
        )
        self.dispatcher_last_success = Gauge(
            "podium_dispatcher_last_success_timestamp_seconds",
            "Unix time of the dispatcher loop's last pass that claimed and started what was due without an error",
            registry=registry,
        )
        self.oldest_overdue = Gauge(
            "podium_outbox_oldest_overdue_seconds",
            "Seconds since the earliest still-pending message fell due (0 when nothing is overdue)",
            registry=registry,
        )
        self.in_flight = Gauge(
            "podium_deliveries_in_flight", "Deliveries started and not finished yet", registry=registry
        )
        # Series exist (at 0) from the start, so rate() and alerts work before the first event.
        for kind in sorted(kinds.names()):
            self.retries.labels(kind)
            for outcome in FINAL_STATES:
                self.messages.labels(kind, outcome)
        for state in OUTBOX_STATES:
            self.outbox_rows.labels(state).set(0)

    def record_delivery(self, kind: str, outcome: str, lateness: float) -> None:
        """One delivery attempt ended: a final outcome, or 'retry'."""
        if outcome == "retry":
            self.retries.labels(kind).inc()
            return
        self.messages.labels(kind, outcome).inc()
        if outcome == "sent":
            self.lateness.labels(kind).observe(max(0.0, lateness))

    def known_commands(self, names: Iterable[str]) -> None:
        """Create the per-command series at 0."""
        for name in names:
            self.commands.labels(name)
            self.command_errors.labels(name)
            self.command_refusals.labels(name)

    def command_ran(self, name: str, *, outcome: str) -> None:
        """One slash command invocation finished: "ok", "refused" (the person's mistake) or "failed" (ours)."""
        self.commands.labels(name).inc()
        if outcome == "failed":
            self.command_errors.labels(name).inc()
        elif outcome == "refused":
            self.command_refusals.labels(name).inc()

    def set_outbox_counts(self, counts: Mapping[str, int]) -> None:
        """The outbox's rows by state, as read from the database just now."""
        for state in {*OUTBOX_STATES, *counts}:
            self.outbox_rows.labels(state).set(counts.get(state, 0))

    def bind(
        self,
        *,
        gateway_latency: Callable[[], float],
        gateway_connected: Callable[[], bool],
        last_step: Callable[[], float | None],
        in_flight: Callable[[], int],
        last_success: Callable[[], float | None] = lambda: None,
    ) -> None:
        """Read live values at scrape time from the running bot."""
        self.dispatcher_last_success.set_function(lambda: last_success() or 0.0)
        self.gateway_latency.set_function(gateway_latency)
        self.gateway_connected.set_function(lambda: 1.0 if gateway_connected() else 0.0)
        self.dispatcher_last_step.set_function(lambda: last_step() or 0.0)
        self.in_flight.set_function(lambda: float(in_flight()))

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition body and its content type, in the format the scraper asked for."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type
