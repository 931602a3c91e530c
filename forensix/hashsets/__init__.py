"""Known-file hash sets: read VICS, NSRL, hashdeep and plain lists into an on-disk index.

The engine and the ``hashmatch`` plugin use :func:`open_hashset` and
:class:`HashSet`; the ``forensix hashset`` command uses :func:`import_hashset`
and :func:`list_hashsets`.
"""
from forensix.hashsets.entries import ALGORITHMS, KINDS, HashEntry, HashSetError
from forensix.hashsets.hashset import HashSet
from forensix.hashsets.library import (
    build_index,
    import_hashset,
    library_dir,
    list_hashsets,
    open_hashset,
    open_library_set,
)
from forensix.hashsets.schemes import DEFAULT_SCHEME, SCHEMES

__all__ = [
    "ALGORITHMS", "DEFAULT_SCHEME", "KINDS", "SCHEMES", "HashEntry", "HashSet", "HashSetError",
    "build_index", "import_hashset", "library_dir", "list_hashsets", "open_hashset", "open_library_set",
]
