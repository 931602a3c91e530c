"""The byte ranges volume layers read from and hand on.

A layer (a partition, a decrypted BitLocker volume, a logical volume, a shadow
copy) is a :class:`Place`: a stream and the range of it the layer occupies. A
partition is only a narrower range of the same stream, so The Sleuth Kit keeps
reading the evidence with its own C reader; a layer that transforms bytes (a
decryption, a store's copy-on-write map) is a new :class:`LayerStream` whose reads
go through its library, and that library reads the layer below through a
:class:`FileObject`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from forensix.evidence.images import BlockCache, ImageAdapter


class LayerStream(ImageAdapter):
    """A library's decoded volume, presented to TSK like an image.

    ``failed_reads`` counts the holes of every layer below too: a file read
    through a hole of the evidence gets no digest, however deep it lies.
    """

    def __init__(self, size: int, read_at: Callable[[int, int], bytes], parent: Any,
                 close: Callable[[], None] = lambda: None) -> None:
        self._parent = parent
        super().__init__(size, BlockCache(read_at, size).read_at, close)
        self._own_failures = 0

    @property  # type: ignore[override]
    def failed_reads(self) -> int:
        return self._own_failures + self._parent.failed_reads

    @failed_reads.setter
    def failed_reads(self, value: int) -> None:
        self._own_failures = value - self._parent.failed_reads


def library_stream(handle: Any, size: int, parent: Any) -> LayerStream:
    """A stream over a libyal object that reads with ``read_buffer_at_offset`` (pybde, pyluksde,
    pyvslvm logical volumes, pyvshadow stores)."""
    return LayerStream(size, lambda offset, n: handle.read_buffer_at_offset(n, offset), parent)


class FileObject:
    """A read-only file-like view of ``length`` bytes of a stream from ``start``: what the
    libyal bindings' ``open_file_object`` read the layer below through."""

    def __init__(self, stream: Any, start: int, length: int) -> None:
        self._stream = stream
        self._start = start
        self._length = length
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._length - self._pos
        size = max(0, min(size, self._length - self._pos))
        data = self._stream.read(self._start + self._pos, size) if size else b""
        self._pos += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, self._length)[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def get_size(self) -> int:
        return self._length

    def close(self) -> None:
        """The stream belongs to the layer below; libyal calls this when it closes."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a layer lies: ``length`` bytes of ``stream`` from ``offset``.

    While a place is a plain range of the evidence image (partitions, linear logical
    volumes), ``offset`` is where it starts in the image; inside a decoded layer,
    ``decoded_at`` is the offset the records of a file system here carry (the corpus's
    convention: that of the encryption, snapshot or container layer it lies in).
    """

    stream: Any
    offset: int
    length: int
    decoded_at: int | None = None
    """``None`` for a plain range of the image; else the volume offset of the layer that decoded it."""
    keep: tuple[Any, ...] = field(default=(), repr=False)
    """Library objects this place reads through, kept open as long as it is."""

    @property
    def image_offset(self) -> int | None:
        """Where it starts in the evidence image while that is a plain mapping, ``None`` inside a decoded layer."""
        return self.offset if self.decoded_at is None else None

    @property
    def volume_offset(self) -> int:
        """The offset the records of a file system here carry."""
        return self.offset if self.decoded_at is None else self.decoded_at

    def head(self, at: int, n: int) -> bytes:
        if at >= self.length:
            return b""
        return self.stream.read(self.offset + at, min(n, self.length - at))

    def file_object(self) -> FileObject:
        return FileObject(self.stream, self.offset, self.length)

    def slice(self, offset: int, length: int) -> "Place":
        """A range of this place that reads the same stream (a partition, a linear logical volume)."""
        return replace(self, offset=self.offset + offset, length=min(length, self.length - offset))

    def decoded(self, stream: LayerStream, *keep: Any) -> "Place":
        """The volume a library decodes from this place; its records carry this place's offset."""
        return Place(stream, 0, stream.size, self.volume_offset, (*self.keep, *keep))
