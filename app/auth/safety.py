"""Where it is safe to send someone after they sign in."""

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Return ``target`` only if it is a path on this site; never another host."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    # "//evil.example" and "/\\evil.example" are read by browsers as other hosts.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 32 for c in target):
        return None
    return target
