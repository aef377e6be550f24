"""Debian's headless Chromium driven by Playwright, started as this machine needs it (docs/testing.md)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying Google's services, which a closed network refuses many at a time.
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
MISSING = f"headless Chromium is not installed ({CHROMIUM}; .ci/run installs Debian's chromium package)"


def available() -> bool:
    """Whether Debian's Chromium is here (CI installs it; a developer's machine may not have it)."""
    return Path(CHROMIUM).exists()


@asynccontextmanager
async def browser_context(**options: Any) -> AsyncIterator[Any]:
    """A fresh browser (its own empty profile) with one context (`timezone_id`, `locale`…)."""
    from playwright.async_api import async_playwright

    profile = tempfile.mkdtemp(prefix="podium-chromium-")
    try:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=FLAGS, **options
            )
            try:
                yield context
            finally:
                await context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
