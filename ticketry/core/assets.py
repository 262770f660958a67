"""Front-end libraries: pinned npm packages fetched from the registry at set-up, never a CDN.

Each package is checked against the registry's published integrity hash before a file of it
is written below the core app's static directory, which is not kept in the repository.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

STATIC_DIR = Path(__file__).resolve().parent / "static"
DEFAULT_REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    integrity: str  # the tarball's "dist.integrity" as npm publishes it
    member: str  # the file inside the tarball
    static_path: str  # where templates find it with {% static %}

    @property
    def tarball_url(self) -> str:
        registry = os.environ.get("TICKETRY_NPM_REGISTRY", DEFAULT_REGISTRY).rstrip("/")
        return f"{registry}/{self.package}/-/{self.package}-{self.version}.tgz"

    @property
    def target(self) -> Path:
        return STATIC_DIR / self.static_path


ASSETS = (
    Asset(
        package="htmx.org",
        version="2.0.11",
        integrity=(
            "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA=="
        ),
        member="package/dist/htmx.min.js",
        static_path="vendor/htmx.org-2.0.11/htmx.min.js",
    ),
)


class AssetError(Exception):
    pass


def missing_assets() -> list[Asset]:
    return [asset for asset in ASSETS if not asset.target.exists()]


def fetch_asset(asset: Asset, *, timeout: float = 60) -> Path:
    """Download `asset`'s package, check its integrity and write the file it names."""
    try:
        with urllib.request.urlopen(asset.tarball_url, timeout=timeout) as response:
            tarball = response.read()
    except OSError as error:
        raise AssetError(
            _("Cannot download %(url)s: %(error)s") % {"url": asset.tarball_url, "error": error}
        ) from error
    algorithm, _sep, expected = asset.integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if actual != expected:
        raise AssetError(
            _("%(url)s does not match its pinned integrity hash.") % {"url": asset.tarball_url}
        )
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        member = archive.extractfile(asset.member)
        if member is None:
            raise AssetError(
                _("%(package)s has no file %(member)s.")
                % {"package": asset.package, "member": asset.member}
            )
        content = member.read()
    asset.target.parent.mkdir(parents=True, exist_ok=True)
    partial = asset.target.with_name(asset.target.name + ".part")
    partial.write_bytes(content)
    partial.replace(asset.target)
    return asset.target
