import asyncio
import time

import pytest

from podium.delivery.pacing import Pacer, SlidingWindow


class FakeMonotonic:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_sliding_window_allows_limit_then_waits_for_the_oldest():
    mono = FakeMonotonic()
    window = SlidingWindow(3, 1.0, mono)
    for t in (0.0, 0.1, 0.2):
        mono.now = t
        assert window.delay() == 0
        window.record()
    mono.now = 0.5
    assert window.delay() == pytest.approx(0.5)
    mono.now = 1.0
    assert window.delay() == 0


async def test_pacer_keeps_a_channel_under_five_per_five_seconds(monkeypatch):
    mono = FakeMonotonic()
    sleeps = []

    async def fake_sleep(seconds):
        sleeps.append(seconds)
        mono.now += seconds

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    pacer = Pacer(45, monotonic=mono)
    times = []
    for _ in range(11):
        await pacer.acquire(1)
        times.append(mono.now)
    # any 5.25 s window holds at most 5 sends
    for i in range(len(times) - 5):
        assert times[i + 5] - times[i] >= 5.25 - 1e-9
    # another channel is not held up by the first one's window (only by the global one)
    before = mono.now
    await pacer.acquire(2)
    assert mono.now == before


async def test_pacer_global_limit_in_real_time():
    pacer = Pacer(20)
    start = time.monotonic()
    for i in range(50):
        await pacer.acquire(i)  # distinct channels: only the global limit applies
    elapsed = time.monotonic() - start
    # 50 requests at <= 20 in any 1 s window need at least 2 s (load only delays, so that bound is exact); the
    # upper one only says the pacer does not wait whole extra windows, with room for a loaded machine.
    assert 2.0 <= elapsed < 6.0


async def test_global_pace_is_even_with_no_bunches(monkeypatch):
    mono = FakeMonotonic()

    async def fake_sleep(seconds):
        mono.now += seconds

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    pacer = Pacer(45, monotonic=mono)
    times = []
    for i in range(450):
        await pacer.acquire(i)
        times.append(mono.now)
    # Any 1 s window: at most the rate plus the small burst, and the whole run takes ~10 s (>= 45/s).
    first = 0
    for last, at in enumerate(times):
        while times[first] <= at - 1.0:
            first += 1
        assert last - first + 1 <= 45 + 3
    assert 9.5 <= times[-1] <= 10.0


async def test_refund_gives_the_slot_back(monkeypatch):
    mono = FakeMonotonic()
    monkeypatch.setattr(asyncio, "sleep", lambda s: pytest.fail("should not wait"))
    pacer = Pacer(45, channel_limit=1, monotonic=mono)
    ticket = await pacer.acquire(7)
    pacer.refund(ticket)
    await pacer.acquire(7)  # the channel's single slot is free again
    assert pacer.load() == pytest.approx(1 / 45)


async def test_refund_takes_back_its_own_request_not_the_newest(monkeypatch):
    """Two requests to one channel, the EARLIER one not sent: the later one, which left, still counts."""
    mono = FakeMonotonic()
    monkeypatch.setattr(asyncio, "sleep", lambda s: pytest.fail("should not wait"))
    pacer = Pacer(45, channel_limit=2, channel_window=5.0, monotonic=mono)
    unsent = await pacer.acquire(7)
    mono.now = 1.0
    await pacer.acquire(7)  # this one was sent
    pacer.refund(unsent)
    # The window holds the sent request of t=1: one more fits now, the next one only at t=6 (it would be t=5
    # if the refund had taken back the request of t=1 and left the unsent one of t=0).
    await pacer.acquire(7)
    assert pacer.channel_delay(7) == pytest.approx(5.0)


async def test_a_busy_channel_does_not_hold_up_other_channels_or_dms():
    """Head-of-line: a request waiting for one channel's window must not keep the global slot from others."""
    from podium.delivery.pacing import Pacer

    pacer = Pacer(1000, channel_limit=1, channel_window=0.3)
    await pacer.acquire(1)
    busy = asyncio.create_task(pacer.acquire(1))  # waits ~0.3 s for channel 1's window
    await asyncio.sleep(0)
    others = asyncio.gather(pacer.acquire(2), pacer.acquire(None))
    done, _ = await asyncio.wait({busy, others}, return_when=asyncio.FIRST_COMPLETED)
    assert others in done and not busy.done()
    await busy


async def test_max_wait_raises_channel_busy_instead_of_waiting():
    from podium.delivery.pacing import ChannelBusy, Pacer

    pacer = Pacer(1000, channel_limit=2, channel_window=10)
    await pacer.acquire(7, max_wait=1)
    await pacer.acquire(7, max_wait=1)
    with pytest.raises(ChannelBusy) as busy:
        await pacer.acquire(7, max_wait=1)
    assert 9 < busy.value.delay <= 10
    assert pacer.channel_delay(7) == pytest.approx(busy.value.delay, abs=0.1)
    await pacer.acquire(8, max_wait=1)  # another channel is free


async def test_a_429_blocks_its_channel_and_a_global_429_pauses_everything(monkeypatch):
    from podium.delivery.pacing import ChannelBusy, Pacer

    mono = FakeMonotonic()
    sleeps = []

    async def fake_sleep(seconds):
        sleeps.append(seconds)
        mono.now += seconds

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    pacer = Pacer(1000, monotonic=mono)
    pacer.block(3, 8.0)
    with pytest.raises(ChannelBusy):
        await pacer.acquire(3, max_wait=1)
    await pacer.acquire(4, max_wait=1)  # only channel 3 is blocked
    assert mono.now == 0
    pacer.pause(2.0)
    await pacer.acquire(4)
    assert mono.now == pytest.approx(2.0)
    await pacer.acquire(3)  # waits out the rest of its block
    assert mono.now == pytest.approx(8.0)
