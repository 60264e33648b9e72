"""Finding names.txt: a given path, the environment, the cache, or one verified download.

No test touches the network: downloads come from an HTTP server on 127.0.0.1 run in a thread,
and the cache directory is redirected into tmp_path.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
import time
from pathlib import Path

import pytest

from pytest_ninja.levels import names

BODY = b"emma\nolivia\nava\nisabella\nsophia"
SHA = hashlib.sha256(BODY).hexdigest()
SHARED_NAMES = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "names.txt"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The user's cache directory, redirected into tmp_path; NINJA_NAMES unset."""
    folder = tmp_path / "cache"
    monkeypatch.setattr(names, "cache_dir", lambda: folder)
    monkeypatch.delenv(names.ENV_VAR, raising=False)
    return folder


class Server:
    """A local HTTP server whose one file's bytes (and declared length) a test decides."""

    def __init__(self) -> None:
        self.body = BODY
        self.declared: int | None = None  # a Content-Length other than the body's: cut short
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                self.send_response(200)
                length = server.declared if server.declared is not None else len(server.body)
                self.send_header("Content-Length", str(length))
                self.end_headers()
                self.wfile.write(server.body)
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/names.txt"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def closed_port_url() -> str:
    """A URL on 127.0.0.1 nobody listens at: what being offline looks like, without a network."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/names.txt"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_given_path_is_read_as_it_is(tmp_path, cache):
    path = tmp_path / "mine.txt"
    path.write_text("anna\n\nbob\n")
    found = names.load_names(path, url=closed_port_url())
    assert (found.words, found.path, found.origin) == (["anna", "bob"], path, "--names")


def test_the_environment_variable_is_used_when_no_path_is_given(tmp_path, cache, monkeypatch):
    path = tmp_path / "env.txt"
    path.write_text("carol\n")
    monkeypatch.setenv(names.ENV_VAR, str(path))
    found = names.load_names(url=closed_port_url())
    assert (found.words, found.origin) == (["carol"], "NINJA_NAMES")


def test_a_given_path_wins_over_the_environment(tmp_path, cache, monkeypatch):
    (tmp_path / "env.txt").write_text("carol\n")
    (tmp_path / "arg.txt").write_text("dave\n")
    monkeypatch.setenv(names.ENV_VAR, str(tmp_path / "env.txt"))
    assert names.load_names(tmp_path / "arg.txt").words == ["dave"]


def test_a_missing_given_file_is_one_clear_line(tmp_path, cache):
    with pytest.raises(names.NamesError, match="--names names .*nope.txt, which is not a file"):
        names.load_names(tmp_path / "nope.txt")


def test_a_line_outside_the_vocabulary_is_named_with_its_number(tmp_path, cache):
    path = tmp_path / "bad.txt"
    path.write_text("anna\nJosé\n")
    with pytest.raises(names.NamesError, match=r"bad.txt line 2: 'José' is not a lowercase a-z"):
        names.load_names(path)


def test_a_verified_copy_in_the_cache_is_used_without_the_network(cache):
    cache.mkdir()
    (cache / "names.txt").write_bytes(BODY)
    found = names.load_names(url=closed_port_url(), sha256=SHA)
    assert found.origin == "cache"
    assert found.words[:2] == ["emma", "olivia"]


def test_a_good_download_is_verified_and_cached_once(cache, server):
    announced = []
    found = names.load_names(
        url=server.url, sha256=SHA, on_download=lambda url, target: announced.append(url)
    )
    assert (found.origin, found.path) == ("download", cache / "names.txt")
    assert (cache / "names.txt").read_bytes() == BODY
    assert announced == [server.url]
    assert leftovers(cache) == ["names.txt"]  # no temporary file left behind
    again = names.load_names(url=server.url, sha256=SHA)
    assert again.origin == "cache" and server.requests == 1


def test_a_corrupted_download_is_rejected_and_not_cached(cache, server):
    server.body = BODY.replace(b"emma", b"emmx")
    with pytest.raises(names.NamesError, match="not the lecture's names.txt .*sha256"):
        names.load_names(url=server.url, sha256=SHA)
    assert leftovers(cache) == []


def test_a_truncated_download_is_rejected_and_not_cached(cache, server):
    server.declared = len(BODY) + 1000  # the server promises more than it sends, then hangs up
    with pytest.raises(names.NamesError, match="cut short"):
        names.load_names(url=server.url, sha256=SHA)
    assert leftovers(cache) == []


def test_an_interrupted_download_leaves_nothing_that_is_used(cache, server, monkeypatch):
    def interrupted(url, out, timeout, target):
        out.write(BODY[:10])  # half a file in the temporary file, then Ctrl-C
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(names, "_fetch", interrupted)
        with pytest.raises(KeyboardInterrupt):
            names.load_names(url=server.url, sha256=SHA)
    assert leftovers(cache) == []
    assert names.load_names(url=server.url, sha256=SHA).words == BODY.decode().split("\n")


def test_a_partial_file_from_a_killed_download_is_never_read(cache, server):
    cache.mkdir()
    part = cache / ".names.txt.abc123.part"
    part.write_bytes(BODY[:10])
    found = names.load_names(url=server.url, sha256=SHA)
    assert found.origin == "download" and found.words[-1] == "sophia"
    assert part.exists()  # fresh: perhaps another run's download in progress, so left alone
    old = time.time() - 2 * 3600
    os.utime(part, (old, old))
    (cache / "names.txt").unlink()
    names.load_names(url=server.url, sha256=SHA)
    assert leftovers(cache) == ["names.txt"]  # an old leftover is cleared away


def test_a_cached_copy_that_fails_its_checksum_is_downloaded_again(cache, server):
    cache.mkdir()
    (cache / "names.txt").write_bytes(b"tampered\n")
    found = names.load_names(url=server.url, sha256=SHA)
    assert found.origin == "download" and server.requests == 1
    assert (cache / "names.txt").read_bytes() == BODY


def test_offline_with_no_copy_says_how_to_get_the_file(cache):
    with pytest.raises(names.NamesError) as info:
        names.load_names(url=closed_port_url(), sha256=SHA)
    message = str(info.value)
    assert "\n" not in message
    assert "could not be downloaded" in message
    assert "--names PATH" in message and "NINJA_NAMES" in message
    assert str(cache / "names.txt") in message
    assert leftovers(cache) == []


def test_the_real_cache_directory_comes_from_platformdirs(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    import platformdirs

    assert names.cache_dir() == Path(platformdirs.user_cache_dir("pytest-ninja", appauthor=False))


@pytest.mark.skipif(not SHARED_NAMES.is_file(), reason="no shared copy of names.txt here")
def test_the_lecture_file_checks_out_and_splits_as_the_lecture_does(cache):
    from pytest_ninja.levels.mlp.training import Splits

    assert names.sha256_of(SHARED_NAMES) == names.NAMES_SHA256
    words = names.load_names(SHARED_NAMES).words
    assert len(words) == 32_033
    splits = Splits.from_words(words)
    assert (len(splits.Ytr), len(splits.Ydev), len(splits.Yte)) == (182_625, 22_655, 22_866)
    assert tuple(splits.Xtr.shape) == (182_625, 3)
    assert int(splits.Xtr.max()) == 26 and int(splits.Ytr.min()) == 0  # '.' is 0, a..z 1..26
