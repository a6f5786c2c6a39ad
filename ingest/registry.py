"""Named extension points: readers and languages here, stores, embedders and vector indexes in ``kg``.

A ``Registry`` maps a name to a factory (a class or a function). Backends that
ship with policykg register themselves where they are defined; a third-party
package registers its own by declaring an entry point in the registry's group,
for example in its ``pyproject.toml``::

    [project.entry-points."policykg.stores"]
    mystore = "mypackage.store:MyStore"

Entry points are read once, the first time a registry is listed or asked for a
name it does not know, so importing policykg stays cheap.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Callable, Generic, Iterator, TypeVar

T = TypeVar("T")


class UnknownName(KeyError, ValueError):
    """A name no backend registered; the message lists the names that are."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class Registry(Generic[T]):
    """Factories by name for one kind of backend (``kind``: "store", "language" ...)."""

    def __init__(self, kind: str, group: str):
        self.kind = kind
        self.group = group
        self._factories: dict[str, Callable[..., T]] = {}
        self._plugins_loaded = False

    def register(self, name: str, factory: Callable[..., T] | None = None, *, before: str | None = None):
        """Register ``factory`` under ``name``; usable as a decorator: ``@registry.register("name")``.
        Names keep the order they registered in, unless ``before`` names one to go ahead of."""
        def add(f: Callable[..., T]) -> Callable[..., T]:
            self._factories.pop(name, None)
            if before in self._factories:
                items = list(self._factories.items())
                at = [n for n, _ in items].index(before)
                self._factories = dict(items[:at] + [(name, f)] + items[at:])
            else:
                self._factories[name] = f
            return f

        return add(factory) if factory is not None else add

    def unregister(self, name: str) -> None:
        self._factories.pop(name, None)

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=self.group):
            if ep.name not in self._factories:
                self._factories[ep.name] = ep.load()

    def names(self) -> list[str]:
        """Every registered name, built-in ones first in the order they registered."""
        self._load_plugins()
        return list(self._factories)

    def factory(self, name: str) -> Callable[..., T]:
        if name not in self._factories:
            self._load_plugins()
        if name not in self._factories:
            raise UnknownName(f"unknown {self.kind} {name!r}; choose from {', '.join(self.names())}")
        return self._factories[name]

    def create(self, name: str, *args, **kwargs) -> T:
        """A new backend ``name`` built with the given arguments."""
        return self.factory(name)(*args, **kwargs)

    def __contains__(self, name: str) -> bool:
        return name in self._factories or (self._load_plugins() or name in self._factories)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
