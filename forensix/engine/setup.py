"""What every process of a scan needs to analyse files the same way, as plain data.

A worker (in this process tree, or on another machine later) rebuilds the
plugin host and the plugin configuration from a :class:`ScanSetup`: the same
built-in, optional, entry-point and ``--plugins-dir`` plugins, the same hash
sets (as index folders, already imported by the main process), the same
options. Workers never write to the case: their ``ScanConfig.store`` is None.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from forensix.budget import ExpansionBudget
from forensix.pluginhost import PluginHost, call_impl, get_plugin_host
from forensix.scanconfig import ScanConfig
from forensix.volumes.secrets import NONE, Secrets

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PluginSpec:
    """Which plugins run: enough to load the same set in another process."""

    plugins_dirs: tuple[str, ...] = ()
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    entry_points: bool = True

    def host(self) -> PluginHost:
        return get_plugin_host(load_entrypoints=self.entry_points, plugins_dirs=[Path(p) for p in self.plugins_dirs],
                               enable=self.enable, disable=self.disable)


@dataclass(frozen=True, slots=True)
class ScanSetup:
    case_dir: str
    plugins: PluginSpec = field(default_factory=PluginSpec)
    hashsets: tuple[str, ...] = ()
    """Hash-set index folders (the main process imports set files before the workers start)."""
    options: tuple[tuple[str, str], ...] = ()
    file_timeout: float = 300.0
    budget: ExpansionBudget | None = field(default=None, compare=False)
    """The archive expansion budget every process of the scan takes from (shared memory)."""
    shadow_copies: bool = True
    """Walk the Volume Shadow Copies of NTFS volumes (``--no-vss``: not)."""
    secrets: Secrets = field(default=NONE, compare=False, repr=False)
    """Keys for encrypted volumes: in memory only, never in :meth:`fingerprint`, the case or a log."""

    def config(self, store: Any = None) -> ScanConfig:
        config = ScanConfig(case_dir=Path(self.case_dir), store=store, hashsets=self.hashsets,
                            options=dict(self.options))
        if self.budget is not None:
            config.expansion = self.budget
        return config

    def fingerprint(self, plugin_versions: dict[str, str], hashset_digests: list[str]) -> str:
        """What makes two runs the same scan: resuming one with other settings would mix results."""
        settings = {"plugins": plugin_versions, "hashsets": sorted(hashset_digests),
                    "options": dict(self.options), "plugin_spec": asdict(self.plugins)}
        if not self.shadow_copies:  # only when set: scans started before it existed still resume
            settings["shadow_copies"] = False
        return json.dumps(settings, sort_keys=True)


def configure(host: PluginHost, config: ScanConfig, failed: Any = None) -> None:
    """Call every plugin's ``forensix_configure``; a plugin that fails is unregistered
    (and reported through ``failed(plugin_name, exception)`` where given)."""
    for impl in host.impls("forensix_configure"):
        try:
            call_impl(impl, config=config)
        except Exception as exc:
            log.debug("plugin %s failed to configure", impl.plugin_name, exc_info=exc)
            if failed is not None:
                failed(impl.plugin_name, exc)
            host.pm.unregister(name=impl.plugin_name)
