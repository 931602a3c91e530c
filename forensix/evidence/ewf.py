"""EnCase images (E01) through the system's libewf, with pyewf as the fallback.

The libewf-python wheel on PyPI decodes deflate with libewf's own Huffman code
instead of zlib: on the scan benchmark it delivers 157 MB/s where Debian's
libewf (``libewf2``, the library ewfverify, fiwalk and The Sleuth Kit use)
delivers 780 MB/s. Reading an E01 is most of the cost of triaging one, so
where the system library is installed it is used through a small ctypes
binding; anything it cannot open (Ex01, a missing library) goes to pyewf.
Both are opened read-only.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

_ERROR = ctypes.c_void_p
EWF1_SIGNATURE = b"EVF\x09\x0d\x0a\xff\x00"
"""The first bytes of an E01 segment (EWF version 1), which the system libewf reads."""


class EwfError(OSError):
    """libewf could not open or read the image; the message is libewf's first clause."""


@functools.cache
def _library() -> Any:
    """The system libewf, typed; ``None`` when it is not installed."""
    name = ctypes.util.find_library("ewf") or "libewf.so.2"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    err = ctypes.POINTER(_ERROR)
    lib.libewf_get_access_flags_read.restype = ctypes.c_int
    lib.libewf_glob.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint8,
                                ctypes.POINTER(ctypes.POINTER(ctypes.c_char_p)), ctypes.POINTER(ctypes.c_int), err]
    lib.libewf_glob_free.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, err]
    lib.libewf_handle_initialize.argtypes = [ctypes.POINTER(ctypes.c_void_p), err]
    lib.libewf_handle_open.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int,
                                       ctypes.c_int, err]
    lib.libewf_handle_close.argtypes = [ctypes.c_void_p, err]
    lib.libewf_handle_free.argtypes = [ctypes.POINTER(ctypes.c_void_p), err]
    lib.libewf_handle_get_media_size.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint64), err]
    lib.libewf_handle_read_random.restype = ctypes.c_ssize_t
    lib.libewf_handle_read_random.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                              ctypes.c_int64, err]
    for digest in ("md5", "sha1"):
        fn = getattr(lib, f"libewf_handle_get_{digest}_hash")
        fn.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint8), ctypes.c_size_t, err]
    lib.libewf_handle_segment_files_corrupted.argtypes = [ctypes.c_void_p, err]
    lib.libewf_handle_get_number_of_checksum_errors.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32),
                                                                err]
    lib.libewf_error_sprint.argtypes = [_ERROR, ctypes.c_char_p, ctypes.c_size_t]
    lib.libewf_error_free.argtypes = [ctypes.POINTER(_ERROR)]
    return lib


def _raise(lib: Any, error: _ERROR, what: str) -> None:
    text = ""
    if error:
        buffer = ctypes.create_string_buffer(1024)
        lib.libewf_error_sprint(error, buffer, len(buffer))
        text = buffer.value.decode("utf-8", "replace")
        lib.libewf_error_free(ctypes.byref(error))
    first = text.strip().split("\n")[0].split(". ")[0]
    raise EwfError(f"{what}: {first}" if first else what)


class SystemEwf:
    """An E01 opened with the system libewf: the calls pyewf's handle offers that we use."""

    def __init__(self, lib: Any, first_segment: str) -> None:
        self._lib = lib
        self._buffer = ctypes.create_string_buffer(0)
        error = _ERROR()
        names = ctypes.POINTER(ctypes.c_char_p)()
        count = ctypes.c_int()
        path = first_segment.encode()
        if lib.libewf_glob(path, len(path), 0, ctypes.byref(names), ctypes.byref(count), ctypes.byref(error)) != 1:
            _raise(lib, error, "segment files not found")
        self.segments = [names[i].decode() for i in range(count.value)]
        self._handle = ctypes.c_void_p()
        try:
            if lib.libewf_handle_initialize(ctypes.byref(self._handle), ctypes.byref(error)) != 1:
                _raise(lib, error, "libewf handle")
            if lib.libewf_handle_open(self._handle, names, count, lib.libewf_get_access_flags_read(),
                                      ctypes.byref(error)) != 1:
                self._free()
                _raise(lib, error, "cannot open")
        finally:
            lib.libewf_glob_free(names, count, None)
        size = ctypes.c_uint64()
        if lib.libewf_handle_get_media_size(self._handle, ctypes.byref(size), ctypes.byref(error)) != 1:
            self.close()
            _raise(lib, error, "media size")
        self._size = size.value

    def get_media_size(self) -> int:
        return self._size

    def damaged(self) -> bool:
        """libewf found a segment file truncated or missing: it would read zeros there silently."""
        return self._lib.libewf_handle_segment_files_corrupted(self._handle, None) == 1

    def read_buffer_at_offset(self, length: int, offset: int) -> bytes:
        """Bytes of the media. This libewf fills a chunk it cannot read (a missing segment, a
        checksum error) with zeros and only counts it; that count growing is made an error here,
        as pyewf raises one, so the image adapter records the hole instead of hashing zeros."""
        if len(self._buffer) < length:  # one buffer, grown as needed: no allocation per read
            self._buffer = ctypes.create_string_buffer(length)
        error = _ERROR()
        before = self._checksum_errors()
        got = self._lib.libewf_handle_read_random(self._handle, self._buffer, length, offset, ctypes.byref(error))
        if got < 0:
            _raise(self._lib, error, f"read error at byte {offset}")
        if self._checksum_errors() != before:
            raise EwfError(f"chunk missing or damaged at byte {offset} (checksum error)")
        return ctypes.string_at(self._buffer, got)

    def _checksum_errors(self) -> int:
        count = ctypes.c_uint32()
        self._lib.libewf_handle_get_number_of_checksum_errors(self._handle, ctypes.byref(count), None)
        return count.value

    def get_hash_value(self, name: str) -> str | None:
        """The MD5 or SHA-1 the imaging tool stored, as pyewf's ``get_hash_value`` gives it."""
        size = {"MD5": 16, "SHA1": 20}.get(name.upper())
        if size is None:
            return None
        digest = (ctypes.c_uint8 * size)()
        fn = getattr(self._lib, f"libewf_handle_get_{name.lower()}_hash")
        if fn(self._handle, digest, size, None) != 1:
            return None
        value = bytes(digest)
        return value.hex() if any(value) else None

    def _free(self) -> None:
        if self._handle:
            self._lib.libewf_handle_free(ctypes.byref(self._handle), None)
            self._handle = ctypes.c_void_p()

    def close(self) -> None:
        if self._handle:
            self._lib.libewf_handle_close(self._handle, None)
            self._free()


def open_ewf(first_segment: str) -> tuple[Any, list[str]]:
    """An opened handle with pyewf's reading API, and the segment paths in order.

    Ex01 (EWF version 2), damaged images (a segment missing or cut short) and machines
    without the system library go to pyewf.
    """
    lib = _library()
    if lib is not None and _is_ewf1(first_segment):
        handle = SystemEwf(lib, first_segment)
        if not handle.damaged():
            return handle, handle.segments
        handle.close()  # pyewf reports every unreadable chunk as an error, so the holes are recorded
    import pyewf

    segments = pyewf.glob(first_segment)
    handle = pyewf.handle()
    handle.open(segments)
    return handle, list(segments)


def _is_ewf1(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(len(EWF1_SIGNATURE)) == EWF1_SIGNATURE


def backend() -> str:
    """Which libewf reads E01 here, for the action log."""
    return "system libewf" if _library() is not None else "pyewf"
