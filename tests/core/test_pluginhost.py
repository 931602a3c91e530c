"""Loading plugins: built-ins from one list, failures reported, switches honoured."""
from __future__ import annotations

import inspect
import subprocess
import sys
import re
from pathlib import Path

from forensix import hookspecs
import pytest
from helpers import run_cli

from forensix.pluginhost import PluginSelectionError, get_plugin_host

ROOT = Path(__file__).resolve().parents[2]


def test_builtins_load_without_failures():
    from plugins import BUILTIN

    host = get_plugin_host(load_entrypoints=False)
    names = {name for name, _ in host.plugins()}
    assert host.failures == []
    assert len(names) == len(BUILTIN)


def test_a_broken_plugin_is_a_load_failure_not_a_crash(tmp_path):
    (tmp_path / "broken.py").write_text("raise ImportError('missing library xyz')\n")
    (tmp_path / "fine.py").write_text(
        "from forensix.hookspecs import hookimpl\nNAME = 'fine'\nVERSION = '0.1'\n"
        "@hookimpl\ndef forensix_file_analyzer(entry, head):\n    return None\n")
    host = get_plugin_host(load_entrypoints=False, plugins_dirs=[tmp_path])
    assert [f.error for f in host.failures] == ["ImportError: missing library xyz"]
    assert "fine" in {name for name, _ in host.plugins()}


def test_disable_and_enable(tmp_path):
    host = get_plugin_host(load_entrypoints=False, disable=["exif"], enable=["keywords"])
    names = {name for name, _ in host.plugins()}
    assert "exif" not in names and "keywords" in names
    with pytest.raises(PluginSelectionError, match="nosuch2"):
        get_plugin_host(load_entrypoints=False, enable=["nosuch2"])
    with pytest.raises(PluginSelectionError, match="nosuch"):
        get_plugin_host(load_entrypoints=False, disable=["nosuch"])


@pytest.mark.parametrize("switch, name", [("--enable-plugin", "keyword"), ("--disable-plugin", "exfi")])
def test_a_misspelt_plugin_name_is_a_user_error_and_scans_nothing(cli, tmp_path, switch, name):
    folder = tmp_path / "usb"
    folder.mkdir()
    (folder / "a.txt").write_text("x")
    case = tmp_path / "case"
    result = cli("scan", folder, "--case", case, "--no-progress", switch, name, expect=2)
    assert f"{switch} {name}: no" in result.stderr and "Traceback" not in result.output
    assert not case.exists()
    assert cli("plugins", switch, name, expect=2).exit_code == 2


def test_plugins_command_lists_versions_hooks_and_failures(cli, tmp_path):
    (tmp_path / "broken.py").write_text("1/0\n")
    out = cli("plugins", "--plugins-dir", tmp_path).stderr
    assert "exif" in out and "file_analyzer" in out
    assert "ZeroDivisionError" in out
    assert "keywords" in out  # listed as optional, off


def test_every_hook_is_documented_and_tested():
    """Meta-test: each hookspec has a docstring and is exercised somewhere in tests/."""
    specs = [name for name, _ in inspect.getmembers(hookspecs.HookSpecs) if name.startswith("forensix_")]
    assert specs, "no hooks found"
    tests = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    for name in specs:
        assert (getattr(hookspecs.HookSpecs, name).__doc__ or "").strip(), f"{name} has no docstring"
        assert re.search(rf"\b{name}\b", tests), f"{name} is not exercised by any test"


def _host_adding_hello(says: str):
    """A plugin host holding one plugin that adds the command ``hello``, which prints ``says``."""
    import types

    import click

    from forensix.hookspecs import hookimpl
    from forensix.pluginhost import PluginHost

    module = types.ModuleType("cmdplugin")

    @hookimpl
    def forensix_add_commands(cli):
        @cli.command("hello")
        def hello():
            click.echo(says)

    module.forensix_add_commands = forensix_add_commands
    host = PluginHost()
    host.register(module, "test")
    return host


def test_forensix_add_commands_adds_a_subcommand(tmp_path, monkeypatch):
    import click

    from forensix.pluginhost import call_impl

    host = _host_adding_hello("hi")
    group = click.Group()
    for impl in host.impls("forensix_add_commands"):
        call_impl(impl, cli=group)
    assert "hello" in group.commands


def test_entry_point_plugins_load_and_autoload_can_be_switched_off(tmp_path, monkeypatch):
    """A third-party package registers in the entry-point group `forensix.plugins`."""
    (tmp_path / "thirdparty_fx.py").write_text(
        "from forensix.hookspecs import hookimpl\nNAME = 'thirdparty'\nVERSION = '2.0'\n"
        "@hookimpl\ndef forensix_file_analyzer(entry, head):\n    return None\n")
    dist = tmp_path / "thirdparty_fx-2.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-fx\nVersion: 2.0\n")
    (dist / "entry_points.txt").write_text("[forensix.plugins]\nthirdparty = thirdparty_fx\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    names = {name for name, _ in get_plugin_host().plugins()}
    assert "thirdparty" in names
    monkeypatch.setenv("FORENSIX_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert "thirdparty" not in {name for name, _ in get_plugin_host().plugins()}


def test_a_plugins_command_runs_from_the_command_line(monkeypatch):
    """Built-in commands load when run; a name that is not built in is looked up among the plugins'."""
    import forensix.pluginhost
    from forensix import cli as cli_module

    host = _host_adding_hello("hi from a plugin")
    monkeypatch.setattr(forensix.pluginhost, "get_plugin_host", lambda: host)
    cli_module._add_plugin_commands.cache_clear()
    try:
        result = run_cli("hello")
        assert result.output.strip() == "hi from a plugin"
        assert "hello" in run_cli("--help").output
    finally:
        cli_module.cli.commands.pop("hello", None)
        cli_module._add_plugin_commands.cache_clear()


def test_a_command_loads_only_what_it_runs():
    """`forensix case show` must not pay for the report's, the exports' or the lab's libraries."""
    code = ("import sys; from forensix.cli import cli\n"
            "try: cli.main(['case', '--help'], standalone_mode=False)\n"
            "finally: print(sorted(m for m in ('jinja2', 'forensix.exports', 'forensix.lab', 'forensix.report')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip().splitlines()[-1] == "[]"
