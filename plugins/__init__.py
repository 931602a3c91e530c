"""Built-in analyzer plugins, one module each.

``BUILTIN`` is the one list of what runs by default: a plugin missing from it
does not run, so nothing depends on import side effects. ``OPTIONAL`` plugins
run only when asked for with ``--enable-plugin NAME``.
"""

BUILTIN: tuple[str, ...] = (
    "plugins.filetype",
    "plugins.hashmatch",
    "plugins.pdq",
    "plugins.exif",
    "plugins.identifiers",
    "plugins.archives",
)

OPTIONAL: dict[str, str] = {
    "keywords": "plugins.keywords",
}
