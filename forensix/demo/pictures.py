"""Generated pictures for the demo: harmless stand-ins and camera photos with EXIF.

Known material is never used, not even in training: the "known material" of
the demo is a set of drawn geometric shapes, each labelled as a stand-in in a
corner, whose hashes the demo's VICS set lists. The camera photos are drawn
too; their EXIF (make, model, body serial, time, GPS) is written by piexif
from the scenario, so the answer sheet knows every value the scan must find.
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import piexif
from PIL import Image, ImageDraw

STANDIN_SIZE = (320, 240)
PHOTO_SIZE = (640, 480)
SECONDS_PRECISION = 1000
"""GPS seconds are stored as n/1000, so the decimal degrees are exact to ~3 cm."""


@dataclass(frozen=True, slots=True)
class Camera:
    make: str
    model: str
    serial: str | None


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    latitude: float
    longitude: float
    altitude: float


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def standin_png(number: int, rng: random.Random) -> bytes:
    """A geometric picture labelled 'TRAINING STAND-IN #n'; its bytes depend only on ``rng``."""
    image = Image.new("RGB", STANDIN_SIZE, tuple(rng.randrange(40, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    w, h = STANDIN_SIZE
    for _ in range(rng.randrange(6, 14)):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        box = (x0, y0, x0 + rng.randrange(20, w // 2), y0 + rng.randrange(20, h // 2))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour, outline=(0, 0, 0))
    draw.rectangle((0, 0, 150, 26), fill=(255, 255, 255))
    draw.text((4, 2), f"TRAINING STAND-IN #{number}", fill=(200, 0, 0))
    draw.text((4, 13), "forensix demo - not real", fill=(0, 0, 0))
    return _png(image)


def _rational_dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600 * SECONDS_PRECISION)
    return (degrees, 1), (minutes, 1), (seconds, SECONDS_PRECISION)


def stored_degrees(value: float) -> float:
    """The signed decimal degrees a reader gets back from what ``camera_jpeg`` stores."""
    (d, _), (m, _), (s, q) = _rational_dms(value)
    exact = Fraction(d) + Fraction(m, 60) + Fraction(s, q * 3600)
    return float(-exact if value < 0 else exact)


def camera_jpeg(camera: Camera, place: Place | None, taken: datetime, rng: random.Random) -> bytes:
    """A drawn 'landscape' JPEG with the EXIF a camera of that make would write."""
    image = Image.new("RGB", PHOTO_SIZE, (rng.randrange(90, 160), rng.randrange(140, 210), 235))
    draw = ImageDraw.Draw(image)
    w, h = PHOTO_SIZE
    horizon = rng.randrange(h // 2, 3 * h // 4)
    draw.rectangle((0, horizon, w, h), fill=(rng.randrange(40, 90), rng.randrange(110, 170), 60))
    for _ in range(rng.randrange(3, 8)):
        x = rng.randrange(w)
        top = rng.randrange(h // 5, horizon)
        draw.rectangle((x, top, x + rng.randrange(30, 90), horizon), fill=tuple(rng.randrange(60, 200) for _ in range(3)))
    draw.ellipse((w - 110, 30, w - 50, 90), fill=(255, 230, 120))
    draw.text((8, h - 18), "forensix demo photo (generated)", fill=(255, 255, 255))
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S").encode()
    zeroth = {piexif.ImageIFD.Make: camera.make.encode(), piexif.ImageIFD.Model: camera.model.encode(),
              piexif.ImageIFD.Software: b"forensix demo", piexif.ImageIFD.DateTime: stamp}
    exif = {piexif.ExifIFD.DateTimeOriginal: stamp, piexif.ExifIFD.DateTimeDigitized: stamp}
    if camera.serial:
        exif[piexif.ExifIFD.BodySerialNumber] = camera.serial.encode()
    gps = {}
    if place is not None:
        gps = {
            piexif.GPSIFD.GPSVersionID: (2, 3, 0, 0),
            piexif.GPSIFD.GPSLatitudeRef: b"N" if place.latitude >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _rational_dms(place.latitude),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if place.longitude >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _rational_dms(place.longitude),
            piexif.GPSIFD.GPSAltitudeRef: 0,
            piexif.GPSIFD.GPSAltitude: (round(place.altitude * 10), 10),
            piexif.GPSIFD.GPSDateStamp: taken.strftime("%Y:%m:%d").encode(),
            piexif.GPSIFD.GPSTimeStamp: ((taken.hour, 1), (taken.minute, 1), (taken.second, 1)),
        }
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps}))
    return out.getvalue()
