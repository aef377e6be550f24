"""The HTTP endpoint serving the web page of talks over a real SQLite file, in this process (tests and benches)."""

from __future__ import annotations

from typing import Any

from db import Database
from podium.clock import Clock
from podium.delivery.outbox import Outbox
from podium.metrics import Metrics
from podium.ops import AddressLimit, OpsServer
from podium.talk_page import TalkPages

PUBLIC_URL = "https://podium.example.org"


async def serve_pages(db: Database, clock: Clock, *, public_url: str | None = PUBLIC_URL,
                      unlimited: bool = False, **options: Any) -> tuple[TalkPages, OpsServer]:
    """Pages and the endpoint serving them on a free loopback port (`server.port`); stop it with `server.stop()`.

    The page routes read only the database, the clock and the pages: no dispatcher or gateway is behind them.
    `unlimited` lifts the per-address limit for a benchmark's one client.
    """
    pages = TalkPages(db, clock, public_url)
    if unlimited:
        options["page_limit"] = AddressLimit(burst=10**9, per_second=10**9)
    server = OpsServer(db=db, outbox=Outbox(db), dispatcher=None, metrics=Metrics(), clock=clock,  # type: ignore[arg-type]
                       gateway_connected=lambda: True, logged_in=lambda: True, pages=pages, **options)
    await server.start("127.0.0.1", 0)
    return pages, server
