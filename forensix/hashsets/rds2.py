"""Legacy NIST NSRL RDS 2.x ``NSRLFile.txt``: quoted CSV with a header row.

Columns are found by their header names ("SHA-1", "MD5", "FileName",
"FileSize", "ProductCode"), so reordered or trimmed exports still read.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterator

from forensix.hashsets.entries import HashEntry, HashSetError, ReadLog, parse_digest
from forensix.hashsets.textfile import first_lines, numbered_lines

FORMAT = "nsrl-rds2"
DEFAULT_KIND = "known-good"

_COLUMNS = {"sha-1": "sha1", "md5": "md5", "sha-256": "sha256",
            "filename": "name", "filesize": "size", "productcode": "product"}


def sniff(head: bytes) -> bool:
    lines = first_lines(head, 1)
    return bool(lines) and lines[0].replace('"', "").upper().startswith(("SHA-1,", "MD5,", "SHA-256,"))


def read(path: Path, log: ReadLog) -> Iterator[HashEntry]:
    lines = numbered_lines(path, log)
    rows = csv.reader(line for _, line in lines)
    header = next(rows, None)
    where = {_COLUMNS[c.strip().lower()]: i for i, c in enumerate(header or ()) if c.strip().lower() in _COLUMNS}
    if not {"md5", "sha1", "sha256"} & where.keys():
        raise HashSetError(f"{path}: line 1: header names no SHA-1, MD5 or SHA-256 column")
    width = max(where.values()) + 1
    products: dict[str, str] = {}
    for row in rows:
        number = rows.line_num
        if len(row) < width:
            if row:
                log.reject(f"line {number}", f"{len(row)} fields, expected at least {width}")
            continue
        try:
            yield _entry(row, where, products)
        except ValueError as exc:
            log.reject(f"line {number}", str(exc))


def _entry(row: list[str], where: dict[str, int], products: dict[str, str]) -> HashEntry:
    digests = [parse_digest(row[where[a]], a) if a in where and row[where[a]] else None
               for a in ("md5", "sha1", "sha256")]
    if digests == [None, None, None]:
        raise ValueError("no digest")
    size = row[where["size"]].strip() if "size" in where else ""
    product = row[where["product"]] if "product" in where else ""
    if product and product not in products:
        products[product] = json.dumps({"product_code": product})
    return HashEntry(*digests, None, None, row[where["name"]] if "name" in where else None,
                     int(size) if size else None, products.get(product))
