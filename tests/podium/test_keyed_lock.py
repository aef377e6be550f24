"""A lock per key that never lets a newcomer run beside a woken waiter, and leaves nothing behind."""

import asyncio

import pytest

from podium.keyed_lock import KeyedLock


class DeleteWhenUnlocked:
    """The pattern KeyedLock replaces: a dict of locks, an entry deleted when its lock looks free."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def __len__(self) -> int:
        return len(self._locks)

    def __call__(self, key: str):
        return self._hold(key)

    class _Hold:
        def __init__(self, owner: "DeleteWhenUnlocked", key: str) -> None:
            self.owner, self.key = owner, key

        async def __aenter__(self) -> None:
            self.lock = self.owner._locks.setdefault(self.key, asyncio.Lock())
            await self.lock.acquire()

        async def __aexit__(self, *exc: object) -> None:
            self.lock.release()
            if not self.lock.locked() and self.owner._locks.get(self.key) is self.lock:
                del self.owner._locks[self.key]

    def _hold(self, key: str) -> "DeleteWhenUnlocked._Hold":
        return self._Hold(self, key)


@pytest.fixture(params=[KeyedLock, pytest.param(DeleteWhenUnlocked, marks=pytest.mark.xfail(strict=True))],
                ids=["KeyedLock", "delete-when-unlocked"])
def locks(request):
    return request.param()


async def test_holder_waiter_and_newcomer_never_run_together(locks):
    inside: set[str] = set()
    overlaps: list[set[str]] = []
    entered = {name: asyncio.Event() for name in ("holder", "waiter", "newcomer")}
    leave = {name: asyncio.Event() for name in entered}

    async def critical(name: str) -> None:
        async with locks("talk"):
            if inside:
                overlaps.append(inside | {name})
            inside.add(name)
            entered[name].set()
            await leave[name].wait()
            inside.discard(name)

    holder = asyncio.create_task(critical("holder"))
    await entered["holder"].wait()
    waiter = asyncio.create_task(critical("waiter"))
    await asyncio.sleep(0)  # one loop step: the waiter's first step queues it on the lock
    leave["holder"].set()
    await holder  # released: the waiter is woken but has not run yet
    newcomer = asyncio.create_task(critical("newcomer"))
    await entered["waiter"].wait()
    leave["waiter"].set()
    leave["newcomer"].set()
    await asyncio.gather(waiter, newcomer)
    assert overlaps == []
    assert len(locks) == 0


async def test_a_cancelled_waiter_leaves_no_entry():
    locks: KeyedLock[str] = KeyedLock()
    held = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with locks("k"):
            held.set()
            await release.wait()

    async def wait_for_it() -> None:
        async with locks("k"):
            raise AssertionError("a cancelled waiter must not get the lock")

    holder = asyncio.create_task(hold())
    await held.wait()
    waiter = asyncio.create_task(wait_for_it())
    await asyncio.sleep(0)  # one loop step: the waiter queues on the lock
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert "k" in locks  # the holder still has it
    release.set()
    await holder
    assert len(locks) == 0


async def test_a_holder_cancelled_inside_leaves_no_entry_and_the_next_one_runs():
    locks: KeyedLock[str] = KeyedLock()
    held = asyncio.Event()

    async def hold_forever() -> None:
        async with locks("k"):
            held.set()
            await asyncio.Event().wait()

    holder = asyncio.create_task(hold_forever())
    await held.wait()
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await holder
    assert len(locks) == 0
    async with locks("k"):
        assert "k" in locks
    assert len(locks) == 0


async def test_different_keys_do_not_wait_for_each_other_and_all_entries_go():
    locks: KeyedLock[int] = KeyedLock()
    release = asyncio.Event()
    inside = 0
    all_in = asyncio.Event()

    async def hold(key: int) -> None:
        nonlocal inside
        async with locks(key):
            inside += 1
            if inside == 10:
                all_in.set()
            await release.wait()

    tasks = [asyncio.create_task(hold(k)) for k in range(10)]
    await all_in.wait()
    assert len(locks) == 10
    release.set()
    await asyncio.gather(*tasks)
    assert len(locks) == 0


async def test_many_on_one_key_run_one_at_a_time_and_leave_nothing():
    locks: KeyedLock[str] = KeyedLock()
    inside = 0
    most = 0

    async def work() -> None:
        nonlocal inside, most
        async with locks("k"):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(work() for _ in range(50)))
    assert most == 1
    assert len(locks) == 0
