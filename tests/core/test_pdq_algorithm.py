"""Our PDQ against the reference binding (pdqhash): the same hash, quality and dihedral
hashes on drawn and real pictures; orientation names that say how a copy is turned."""
from __future__ import annotations


import numpy as np
import pdqhash
import pytest
from helpers import SHARED, fixture_script, shared_corpus
from PIL import Image

from forensix import pdq

pictures = fixture_script("pdq_pictures")


def reference(rgb: np.ndarray) -> tuple[list[bytes], int]:
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    return [np.packbits(v).tobytes() for v in vectors], int(quality)


@pytest.mark.parametrize("size", [(64, 64), (481, 321), (90, 1200), (1000, 700), (4000, 3000)])
@pytest.mark.parametrize("grey", [False, True])
def test_same_hashes_and_quality_as_the_reference(size, grey):
    image = pictures.drawing(sum(size), size)
    rgb = np.asarray(image.convert("L").convert("RGB") if grey else image)
    ours = pdq.compute(rgb[..., 0] if grey else rgb, dihedral=True)  # grey pixels are luma as they are
    hashes, quality = reference(rgb)
    assert ours.quality == quality == 100
    assert list(ours.dihedral) == hashes
    assert ours.hash == hashes[0] and ours.hex == hashes[0].hex()


def test_too_small_to_hash():
    result = pdq.compute(np.zeros((4, 100, 3), np.uint8), dihedral=True)
    assert result.hash == bytes(32) and result.quality == 0 and len(result.dihedral) == 8


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow on odd EXIF blocks
def test_real_pictures_hash_as_the_reference_does():
    folder = shared_corpus(SHARED / "corpus-pictures", "picture corpus", needs="files") / "files"
    compared = 0
    for path in sorted(folder.glob("*/*")):
        try:
            with Image.open(path) as image:
                rgb = np.asarray(image.convert("RGB"))
        except Exception:  # not a picture Pillow reads: nothing to compare
            continue
        hashes, quality = reference(rgb)
        ours = pdq.compute(rgb, dihedral=True)
        assert ours.quality == quality, path
        if quality >= pdq.MIN_QUALITY:  # flat or 8 x 12 pictures: coefficients tie, bits may differ
            assert list(ours.dihedral) == hashes, path
            compared += 1
    assert compared >= 90


@pytest.mark.parametrize("turn, name", [
    (lambda a: a, "as-listed"),
    (lambda a: np.rot90(a, -1), "rotate90cw"),
    (lambda a: np.rot90(a, 2), "rotate180"),
    (lambda a: np.rot90(a, 1), "rotate90ccw"),
    (np.flipud, "flip-top-bottom"),
    (np.fliplr, "mirror-left-right"),
    (lambda a: a.transpose(1, 0, 2), "transpose"),
    (lambda a: np.rot90(a, 2).transpose(1, 0, 2), "transverse"),
])
def test_orientation_names_say_how_the_copy_is_turned(turn, name):
    listed = np.asarray(pictures.drawing(7))
    copy = pdq.compute(np.ascontiguousarray(turn(listed)), dihedral=True)
    distances = [pdq.distance(h, pdq.compute(listed).hash) for h in copy.dihedral]
    assert pdq.ORIENTATIONS[int(np.argmin(distances))] == name
    assert min(distances) <= 16 and sorted(distances)[1] > 64


def test_distance():
    assert pdq.distance(b"\x00" * 32, b"\x01" + b"\x00" * 30 + b"\xff") == 9
