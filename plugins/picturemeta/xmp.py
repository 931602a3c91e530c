"""Camera, serial, capture time and GPS from an XMP packet (embedded or a .xmp sidecar).

XMP is RDF/XML: a property may be an attribute of ``rdf:Description`` or an
element of its own, under whatever prefix the writer chose, so names are
matched by namespace URI, not by prefix. The packet is parsed with expat
after refusing any DTD (no entity can expand), and only up to ``MAX_PACKET``.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from typing import Any

MAX_PACKET = 4 << 20
MAX_TAGS = 200_000
"""Tags (``<``) in a packet parsed: each element costs some 250 bytes once parsed, so a 4 MB packet of
a million empty elements would cost 250 MB; a real packet holds hundreds, a bloated one tens of thousands."""

_TIFF = "http://ns.adobe.com/tiff/1.0"
_EXIF = "http://ns.adobe.com/exif/1.0"
_EXIF_EX = "http://cipa.jp/exif/1.0"
_AUX = "http://ns.adobe.com/exif/1.0/aux"
_MICROSOFT = "http://ns.microsoft.com/photo/1.0"
_PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0"

_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("make", (f"{{{_TIFF}}}Make",)),
    ("model", (f"{{{_TIFF}}}Model",)),
    ("software", (f"{{{_TIFF}}}Software",)),
    ("serial", (f"{{{_EXIF_EX}}}BodySerialNumber", f"{{{_AUX}}}SerialNumber", f"{{{_EXIF}}}BodySerialNumber",
                f"{{{_MICROSOFT}}}CameraSerialNumber")),
    ("datetime_original", (f"{{{_EXIF}}}DateTimeOriginal", f"{{{_PHOTOSHOP}}}DateCreated")),
    ("datetime_digitized", (f"{{{_EXIF}}}DateTimeDigitized",)),
)
_COORDINATE = re.compile(r"\s*(\d{1,3}(?:\.\d+)?)(?:,(\d{1,2}(?:\.\d+)?))?(?:,(\d{1,2}(?:\.\d+)?))?\s*([NSEW])\s*$")
_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d))?)?")


def packet(data: bytes) -> bytes | None:
    """The XMP packet in ``data`` (from ``<x:xmpmeta`` or ``<rdf:RDF`` to its end), if any."""
    start = data.find(b"<x:xmpmeta")
    end_tag = b"</x:xmpmeta>"
    if start < 0:
        start, end_tag = data.find(b"<rdf:RDF"), b"</rdf:RDF>"
    if start < 0:
        return None
    end = data.find(end_tag, start)
    return data[start:end + len(end_tag)] if end > 0 else None


def _name(tag: str) -> str:
    """``{uri}name`` with the URI's trailing slash dropped: writers differ on it."""
    uri, _, local = tag.rpartition("}")
    return f"{uri.rstrip('/')}}}{local}" if uri else tag


def _values(root: ElementTree.Element) -> dict[str, str]:
    """Every simple property: attributes of any element, and elements holding only text.

    An element with children (``rdf:Alt``, ``rdf:Seq``) stands for its first text leaf, found for
    every element in one pass from the last element back (each child's before its parent's), so
    a packet nested a million deep costs one walk, not one walk per level.
    """
    found: dict[str, str] = {}
    elements = list(root.iter())
    first_leaf: dict[ElementTree.Element, ElementTree.Element | None] = {}
    for element in reversed(elements):
        if len(element) == 0:
            first_leaf[element] = element if element.text else None
        else:
            first_leaf[element] = next((leaf for child in element if (leaf := first_leaf[child]) is not None), None)
    for element in elements:
        for name, value in element.attrib.items():
            found.setdefault(_name(name), value)
        if len(element) == 0 and element.text and element.text.strip():
            found.setdefault(_name(element.tag), element.text.strip())
        elif len(element):  # rdf:Alt / rdf:Seq: the first item stands for the property
            item = first_leaf[element]
            if item is not None and element.tag.startswith("{") and not element.tag.startswith(
                    "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"):
                found.setdefault(_name(element.tag), item.text.strip())
    return found


def xmp_datetime(text: str) -> str:
    """ISO 8601 as EXIF writes it (``2010-12-12T12:41:35.00+01:00`` -> ``2010:12:12 12:41:35``)."""
    m = _DATE.match(text)
    if not m:
        return text
    year, month, day, hour, minute, second = m.groups()
    if hour is None:
        return f"{year}:{month}:{day}"
    return f"{year}:{month}:{day} {hour}:{minute}:{second or '00'}"


def coordinate(text: str) -> float | None:
    """XMP GPS (``48,53.32358N`` or ``48,53,19.4N``) in signed decimal degrees."""
    m = _COORDINATE.match(text)
    if not m:
        return None
    degrees, minutes, seconds, hemisphere = m.groups()
    value = float(degrees) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    return -value if hemisphere in "SW" else value


def read(data: bytes) -> tuple[dict[str, Any], list[str]]:
    """The record's fields from an XMP packet, and a problem if it cannot be read."""
    if len(data) > MAX_PACKET:
        return {}, [f"XMP packet of {len(data)} bytes not read (limit {MAX_PACKET})"]
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return {}, ["XMP packet declares a DTD; not read"]
    tags = data.count(b"<")
    if tags > MAX_TAGS:
        return {}, [f"XMP packet of {tags} tags not read (limit {MAX_TAGS})"]
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return {}, [f"XMP packet is not well-formed XML ({exc})"]
    values = _values(root)
    out: dict[str, Any] = {}
    for key, names in _FIELDS:
        value = next((values[name] for name in names if values.get(name)), None)
        if value:
            out[key] = xmp_datetime(value) if key.startswith("datetime") else value
    lat, lon = values.get(f"{{{_EXIF}}}GPSLatitude"), values.get(f"{{{_EXIF}}}GPSLongitude")
    if lat and lon:
        lat_value, lon_value = coordinate(lat), coordinate(lon)
        if lat_value is not None and lon_value is not None:
            out["gps_latitude"], out["gps_longitude"] = lat_value, lon_value
    return out, []
