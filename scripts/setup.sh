#!/usr/bin/env bash
# Set up forensix on a fresh Debian/Ubuntu machine: system libraries and tools,
# then a virtual environment in .venv with forensix and its test dependencies.
# Safe to run again. Needs root or sudo for apt-get; nothing else leaves the machine
# except package downloads from the distribution's and PyPI's mirrors.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

# libmagic1/media-types/shared-mime-info: file types and their families; sleuthkit: reference tools for checking;
# mtools dosfstools e2fsprogs fdisk ntfs-3g ewf-tools qemu-utils genisoimage: build test and demo images;
# chromium, poppler-utils: the report test opens the report in a real browser and reads its PDF;
# redis-server, postgresql: the lab tests start and stop their own broker and repository instances.
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3-venv libmagic1 media-types shared-mime-info sleuthkit mtools dosfstools e2fsprogs fdisk ntfs-3g poppler-utils \
    ewf-tools qemu-utils genisoimage chromium fonts-dejavu-core redis-server postgresql >/dev/null

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[test,lab]"
echo "forensix installed in .venv ($(.venv/bin/forensix --version))"
