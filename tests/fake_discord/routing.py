"""The fake's plumbing: awaitable streams, injected faults, recorded calls, the router from paths to handlers."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# --- Internals --------------------------------------------------------------------------------------------


class _Stream[T]:
    """An append-only list whose future items can be awaited with a predicate."""

    def __init__(self, what: str) -> None:
        self.items: list[T] = []
        self._what = what
        self._waiters: list[tuple[Callable[[T], bool], asyncio.Future[T]]] = []

    def append(self, item: T) -> None:
        self.items.append(item)
        if not self._waiters:
            return
        for predicate, future in list(self._waiters):
            if future.done():
                continue
            try:
                if predicate(item):
                    future.set_result(item)
            except Exception as exc:  # surface predicate bugs in the waiting test, not in the server
                future.set_exception(exc)

    async def wait(self, predicate: Callable[[T], bool], timeout: float) -> T:  # noqa: ASYNC109
        for item in self.items:
            if predicate(item):
                return item
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"no {self._what} matched within {timeout} s") from None
        finally:
            self._waiters.remove(entry)

@dataclass(slots=True)
class _Fault:
    """An injected error for the next ``times`` matching requests."""

    method: str
    segments: tuple[str, ...]
    status: int
    code: int
    times: int
    retry_after: float | None
    message: str
    scope: str = "user"

    def matches(self, method: str, route_segments: tuple[str, ...], path_segments: tuple[str, ...]) -> bool:
        if self.method != method or len(self.segments) != len(route_segments):
            return False
        for want, templ, concrete in zip(self.segments, route_segments, path_segments, strict=True):
            if want.startswith("{") and want.endswith("}"):
                if not templ.startswith("{"):
                    return False
            elif want not in (templ, concrete):
                return False
        return True


@dataclass(slots=True)
class _Call:
    """A parsed REST request handed to a route handler."""

    method: str
    path: str
    route: str
    params: dict[str, str]
    query: Mapping[str, str]
    json: Any
    files: list[dict[str, Any]]
    auth: str | None


Handler = Callable[[_Call], Any]


@dataclass(slots=True)
class _Route:
    method: str
    template: str
    segments: tuple[str, ...]
    literal_count: int
    handler: Handler


class _Router:
    """Matches concrete paths to nextcord-style route templates, preferring literal segments."""

    def __init__(self) -> None:
        self._routes: dict[int, list[_Route]] = collections.defaultdict(list)

    def add(self, method: str, template: str, handler: Handler) -> None:
        segments = tuple(template.strip("/").split("/"))
        literal_count = sum(1 for s in segments if not s.startswith("{"))
        routes = self._routes[len(segments)]
        routes.append(_Route(method, template, segments, literal_count, handler))
        routes.sort(key=lambda r: -r.literal_count)

    def match(self, method: str, segments: tuple[str, ...]) -> tuple[_Route | None, dict[str, str], bool]:
        """Return (route, params, path_known); path_known is True if only the method was wrong."""
        path_known = False
        for route in self._routes.get(len(segments), ()):
            params: dict[str, str] = {}
            for templ, concrete in zip(route.segments, segments, strict=True):
                if templ.startswith("{"):
                    params[templ[1:-1]] = concrete
                elif templ != concrete:
                    break
            else:
                if route.method == method:
                    return route, params, True
                path_known = True
        return None, {}, path_known
