"""Finding and reading mapping profiles: a bundled profile by name, a .toml file by path, or the text
of a profile an organisation uploaded (never a path: catalog/services/mappings.py stores the text)."""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable
from pathlib import Path

from catalog.errors import FieldError, InvalidInput
from catalog.formats.jsonapi.schema import Profile, parse_profile
from catalog.resources import config_file

MAX_PROFILE_BYTES = 64 * 1024
"""An uploaded profile's size limit: the bundled ones are under 6 KB."""


def resolve(mapping: str | None) -> Traversable:
    """A bare name means the bundled ``config/mappings/<name>.toml``; anything else a path to a .toml file."""
    if not mapping or not mapping.strip():
        raise FieldError("mapping", "a jsonapi source needs a mapping profile (--mapping NAME or FILE)")
    mapping = mapping.strip()
    if re.fullmatch(r"[A-Za-z0-9_-]+", mapping):
        return config_file("mappings", f"{mapping}.toml")
    path = Path(mapping).expanduser()
    if path.suffix != ".toml":
        raise FieldError("mapping", f"{mapping!r} is neither a profile name nor a .toml file")
    return path


def bundled_profiles() -> list[str]:
    """Names of the profiles shipped in ``config/mappings/``."""
    return sorted(p.name[:-5] for p in config_file("mappings").iterdir() if p.name.endswith(".toml"))


def load_profile(mapping: str | None) -> Profile:
    """Find, read and validate a profile: FieldError("mapping") when it cannot be found or read,
    InvalidInput naming the key when it is broken."""
    path = resolve(mapping)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        known = bundled_profiles()
        raise FieldError("mapping", f"no profile {mapping!r} (known: {', '.join(known) or 'none'})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise FieldError("mapping", f"cannot read {mapping!r}: {exc}") from exc
    return parse_profile(text, path.name)


def profile_from_text(text: str, name: str) -> Profile:
    """Validate an uploaded profile's text: FieldError("mapping_profile") when it is over
    :data:`MAX_PROFILE_BYTES` or broken, with the message a file gets (the key path named)."""
    size = len(text.encode("utf-8"))
    if size > MAX_PROFILE_BYTES:
        raise FieldError("mapping_profile", f"a mapping profile is at most {MAX_PROFILE_BYTES:,} bytes (64 KB); "
                                            f"this one has {size:,}")
    try:
        return parse_profile(text, name)
    except InvalidInput as exc:
        raise FieldError("mapping_profile", exc.message) from exc
