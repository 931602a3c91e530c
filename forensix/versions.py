"""Versions of the libraries that do the reading, for the action log.

A court may ask which software produced a figure; The Sleuth Kit, libewf or
libmagic of another version can give another answer, so the scan records them.
"""
from __future__ import annotations

import platform
from typing import Callable


def _tsk() -> str:
    import pytsk3
    return f"{pytsk3.TSK_VERSION_STR} (pytsk3 {pytsk3.get_version()})"


def _libmagic() -> str:
    import magic
    raw = magic.version()
    return f"{raw // 100}.{raw % 100}"


def _libyal(module: str) -> Callable[[], str]:
    def version() -> str:
        return __import__(module).get_version()
    return version


def _pillow() -> str:
    import PIL
    from PIL import features
    return f"{PIL.__version__} (libwebp {features.version('webp')}, libavif {features.version('avif')})"


def _pillow_heif() -> str:
    import pillow_heif
    return f"{pillow_heif.__version__} (libheif {pillow_heif.libheif_version()})"


def _py7zr() -> str:
    import py7zr
    return py7zr.__version__


_PROBES: dict[str, Callable[[], str]] = {
    "python": platform.python_version,
    "sleuthkit": _tsk,
    "libewf": _libyal("pyewf"),
    "libvmdk": _libyal("pyvmdk"),
    "libvhdi": _libyal("pyvhdi"),
    "libqcow": _libyal("pyqcow"),
    "libmodi": _libyal("pymodi"),
    "libbde": _libyal("pybde"),
    "libluksde": _libyal("pyluksde"),
    "libvslvm": _libyal("pyvslvm"),
    "libvshadow": _libyal("pyvshadow"),
    "libfsapfs": _libyal("pyfsapfs"),
    "libfsxfs": _libyal("pyfsxfs"),
    "libmagic": _libmagic,
    "pillow": _pillow,
    "pillow-heif": _pillow_heif,
    "py7zr": _py7zr,
}


def library_versions() -> dict[str, str]:
    """Each library's version, or why it could not be read (never raises)."""
    out = {}
    for name, probe in _PROBES.items():
        try:
            out[name] = str(probe())
        except Exception as exc:  # a missing optional library is a fact to record, not an error
            out[name] = f"unavailable ({exc.__class__.__name__})"
    return out
