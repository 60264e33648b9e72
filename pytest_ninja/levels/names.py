"""Find the lecture's `names.txt`: a path you give, a cached copy, or one verified download.

Where it looks, in order:
1. `--names PATH` (the `path` argument), then the `NINJA_NAMES` environment variable: your
   own file, used as it is (any list of lowercase a-z names, one a line);
2. `names.txt` in the user's cache directory (platformdirs), kept only if its sha256 is the
   lecture's;
3. makemore's pinned raw URL, downloaded once: into a temporary file in the cache directory,
   checked against the sha256, and only then renamed into place (`os.replace`), so a corrupted,
   truncated or interrupted download is never kept and never used.

Offline with no copy, a `NamesError` says in one line how to get the file. No torch here.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

NAMES_URL = "https://raw.githubusercontent.com/karpathy/makemore/master/names.txt"
NAMES_SHA256 = "0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d"
ENV_VAR = "NINJA_NAMES"
FILENAME = "names.txt"
MAX_BYTES = 4_000_000  # names.txt is 228,145 bytes; a server sending more is not sending it
TIMEOUT = 30.0  # seconds without a byte before a download gives up
_PART_SUFFIX = ".part"
_STALE_PART = 3600.0  # seconds after which a leftover partial download is cleared away
_NAME = re.compile(r"[a-z]+")


class NamesError(Exception):
    """names.txt cannot be found or read; the message is one line for the learner."""


@dataclass(frozen=True)
class Names:
    """The words, and where they came from (for the report)."""

    words: list[str]
    path: Path
    origin: str  # "--names", "NINJA_NAMES", "cache" or "download"


def cache_dir() -> Path:
    """The user's cache directory for pytest-ninja (e.g. ~/.cache/pytest-ninja on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("pytest-ninja", appauthor=False))


def cached_path() -> Path:
    return cache_dir() / FILENAME


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_words(path: Path) -> list[str]:
    """One lowercase a-z name a line; blank lines are skipped, anything else is refused."""
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise NamesError(f"{path} is not a text file of names (it is not UTF-8)") from None
    except OSError as exc:
        raise NamesError(f"cannot read {path}: {exc.strerror or exc}") from None
    words = []
    for number, line in enumerate(text.splitlines(), 1):
        word = line.strip()
        if not word:
            continue
        if not _NAME.fullmatch(word):
            raise NamesError(
                f"{path} line {number}: {word[:40]!r} is not a lowercase a-z name "
                "(the lecture's vocabulary is '.' and a-z)"
            )
        words.append(word)
    if not words:
        raise NamesError(f"{path} has no names in it")
    return words


def load_names(
    path: str | os.PathLike | None = None,
    *,
    url: str | None = None,
    sha256: str | None = None,
    timeout: float = TIMEOUT,
    on_download: Callable[[str, Path], None] | None = None,
) -> Names:
    """The words of names.txt, from the first place that has them (see the module's docstring).

    `url` and `sha256` default to makemore's pinned raw URL and the lecture file's checksum;
    `on_download(url, target)` is called just before a download starts, to say so.
    """
    url, sha256 = url or NAMES_URL, sha256 or NAMES_SHA256
    for given, origin in ((path, "--names"), (os.environ.get(ENV_VAR) or None, ENV_VAR)):
        if given is not None:
            given = Path(given).expanduser()
            if not given.is_file():
                raise NamesError(f"{origin} names {given}, which is not a file")
            return Names(read_words(given), given, origin)
    cached = cached_path()
    if cached.is_file() and sha256_of(cached) == sha256:
        return Names(read_words(cached), cached, "cache")
    if on_download is not None:
        on_download(url, cached)
    download(url, cached, sha256, timeout=timeout)
    return Names(read_words(cached), cached, "download")


def how_to_get_it(target: Path, url: str = NAMES_URL) -> str:
    return f"download {url} and pass --names PATH (or set {ENV_VAR}=PATH), or save it as {target}"


def download(url: str, target: Path, sha256: str, *, timeout: float = TIMEOUT) -> None:
    """Fetch url into target, atomically, only if its bytes have the expected sha256."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NamesError(
            f"cannot create the cache directory {target.parent} "
            f"({exc.strerror or exc}): {how_to_get_it(target, url)}"
        ) from None
    _clear_stale_parts(target)
    fd, part = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_PART_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _fetch(url, out, timeout, target)
        if digest != sha256:
            raise NamesError(
                f"the download of {url} is not the lecture's names.txt (its sha256 "
                f"is {digest[:12]}..., expected {sha256[:12]}...), so it was not kept: "
                f"try again later, or {how_to_get_it(target, url)}"
            )
        os.replace(part, target)
    finally:
        if os.path.exists(part):
            os.unlink(part)


def _fetch(url: str, out, timeout: float, target: Path) -> str:
    """Stream url into the open file out; its sha256. Errors become one NamesError line."""
    digest, size = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise NamesError(
                        f"{url} sent more than {MAX_BYTES:,} bytes, which is not "
                        f"names.txt; nothing was kept: {how_to_get_it(target, url)}"
                    )
                digest.update(chunk)
                out.write(chunk)
    except NamesError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise NamesError(
            f"names.txt is not here and could not be downloaded ({reason}): "
            f"{how_to_get_it(target, url)}"
        ) from None
    except Exception as exc:  # http.client.IncompleteRead and its kin: the body was cut short
        raise NamesError(
            f"the download of {url} was cut short ({type(exc).__name__}), so it "
            f"was not kept: try again, or {how_to_get_it(target, url)}"
        ) from None
    if expected is not None and expected.isdigit() and int(expected) != size:
        raise NamesError(
            f"the download of {url} was cut short ({size:,} of {int(expected):,} "
            f"bytes), so it was not kept: try again, or {how_to_get_it(target, url)}"
        )
    return digest.hexdigest()


def _clear_stale_parts(target: Path) -> None:
    """Remove partial downloads an earlier, killed run left behind (they are never read)."""
    now = time.time()
    for part in target.parent.glob(f".{target.name}.*{_PART_SUFFIX}"):
        try:
            if now - part.stat().st_mtime > _STALE_PART:
                part.unlink()
        except OSError:
            pass
