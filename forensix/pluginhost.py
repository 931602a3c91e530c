"""Loading plugins and calling their hooks without letting one take down a scan.

pluggy does not protect the host from a plugin: a failing import or a hook that
raises escapes. So plugins are loaded one at a time inside try/except, and
per-file hooks are called one implementation at a time by the engine.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

import pluggy

from forensix import hookspecs

ENTRY_POINT_GROUP = "forensix.plugins"
NO_AUTOLOAD_ENV = "FORENSIX_DISABLE_PLUGIN_AUTOLOAD"


class PluginSelectionError(ValueError):
    """``--enable-plugin`` or ``--disable-plugin`` names no plugin: a typo must stop
    the command, never let it run on without the plugin (or with it) unnoticed."""


@dataclass(frozen=True, slots=True)
class LoadFailure:
    plugin: str
    error: str


@dataclass(frozen=True, slots=True)
class PluginInfo:
    name: str
    version: str
    description: str
    hooks: tuple[str, ...]
    source: str
    """``builtin``, ``entry point``, ``plugins dir`` or ``example``."""


class PluginHost:
    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs.HookSpecs)
        self.failures: list[LoadFailure] = []
        self._sources: dict[str, str] = {}

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def register(self, module: ModuleType, source: str) -> None:
        name = getattr(module, "NAME", module.__name__.rsplit(".", 1)[-1])
        try:
            self.pm.register(module, name=name)
            self._sources[name] = source
        except ValueError as exc:  # duplicate name, or a hookimpl that matches no spec
            self.failures.append(LoadFailure(name, str(exc)))

    def load_module(self, dotted: str, source: str) -> None:
        try:
            module = importlib.import_module(dotted)
        except Exception as exc:  # a broken plugin must not stop forensix
            self.failures.append(LoadFailure(dotted, f"{exc.__class__.__name__}: {exc}"))
            return
        self.register(module, source)

    def load_file(self, path: Path) -> None:
        name = f"forensix_dir_plugin_{path.stem}"
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except Exception as exc:
            self.failures.append(LoadFailure(str(path), f"{exc.__class__.__name__}: {exc}"))
            return
        self.register(module, "plugins dir")

    def load_entrypoints(self) -> None:
        from importlib.metadata import entry_points

        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                module = ep.load()
            except Exception as exc:
                self.failures.append(LoadFailure(ep.name, f"{exc.__class__.__name__}: {exc}"))
                continue
            self.register(module, "entry point")

    def disable(self, names: Iterable[str]) -> list[str]:
        """Unregister plugins by name; returns the names that were not loaded."""
        unknown = []
        for name in names:
            if self.pm.get_plugin(name) is None:
                unknown.append(name)
            else:
                self.pm.unregister(name=name)
        return unknown

    def plugins(self) -> list[tuple[str, ModuleType]]:
        return sorted(self.pm.list_name_plugin(), key=lambda item: item[0])

    def info(self) -> list[PluginInfo]:
        out = []
        for name, module in self.plugins():
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(module) or ()))
            out.append(PluginInfo(name, str(getattr(module, "VERSION", "?")),
                                  str(getattr(module, "DESCRIPTION", (module.__doc__ or "").strip().split("\n")[0])),
                                  hooks, self._sources.get(name, "?")))
        return out

    def impls(self, hook_name: str) -> list[pluggy.HookImpl]:
        return getattr(self.pm.hook, hook_name).get_hookimpls()


def get_plugin_host(load_entrypoints: bool = True, plugins_dirs: Iterable[Path] = (),
                    enable: Iterable[str] = (), disable: Iterable[str] = ()) -> PluginHost:
    """Build a plugin host: the built-ins, then entry points, then ``--plugins-dir``.

    A factory, not a module-level global, so every test and every scan gets its own.
    Raises :class:`PluginSelectionError` when ``enable`` or ``disable`` names no plugin.
    """
    from plugins import BUILTIN, OPTIONAL

    unknown = sorted(set(enable) - set(OPTIONAL))
    if unknown:
        raise PluginSelectionError(f"--enable-plugin {', '.join(unknown)}: no optional plugin of that name"
                                   f" (optional plugins: {', '.join(sorted(OPTIONAL))})")
    host = PluginHost()
    for dotted in BUILTIN:
        host.load_module(dotted, "builtin")
    for name in enable:
        host.load_module(OPTIONAL[name], "optional")
    if load_entrypoints and os.environ.get(NO_AUTOLOAD_ENV, "") in ("", "0"):
        host.load_entrypoints()
    for folder in plugins_dirs:
        for path in sorted(Path(folder).glob("*.py")):
            if not path.name.startswith("_"):
                host.load_file(path)
    loaded = [name for name, _ in host.plugins()]
    unknown = host.disable(disable)
    if unknown:
        raise PluginSelectionError(f"--disable-plugin {', '.join(unknown)}: no loaded plugin of that name"
                                   f" (loaded: {', '.join(loaded)})")
    return host


def call_impl(impl: pluggy.HookImpl, **kwargs: Any) -> Any:
    """Call one hook implementation with the arguments it declares."""
    return impl.function(*(kwargs[name] for name in impl.argnames))
