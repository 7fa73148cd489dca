"""The example desk's board in a real browser: Debian's Chromium, headless.

What a person would check by opening the page: every strategy row is there, each chart has
its text alternative, the page asks the network for nothing (every request Chromium makes
goes through a recording proxy; a page with an image and a stylesheet from elsewhere proves
the proxy would see them), and light and dark screenshots look like a page (size, colours,
background). Skipped, saying why, only when Chromium is not installed (``.ci/run`` installs
it: ``apt-get install chromium``). docs/board.png, shown in the README, is checked without a
browser.
"""

from __future__ import annotations

import http.server
import re
import shutil
import struct
import subprocess
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from releasekit.cli.board import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "examples" / "trading-desk" / ".releasekit" / "board-fixture.json"
SCREENSHOT = ROOT / "docs" / "board.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAGE_HOST = "board.invalid"
# Chromium's own background traffic (updates, clock, sign-in), which no page asks for.
BROWSER_HOSTS = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com")
QUIET = (
    "--headless",
    "--no-sandbox",  # the CI container runs as root
    "--disable-gpu",
    "--hide-scrollbars",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--no-pings",
)
LIGHT = "--blink-settings=preferredColorScheme=1"
DARK = "--blink-settings=preferredColorScheme=0"
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install -y chromium; .ci/run does it)",
)


# -- a PNG reader, enough for Chromium's screenshots -------------------------------------------


@dataclass(frozen=True)
class Image:
    """Decoded 8-bit RGB pixels, row by row."""

    width: int
    height: int
    rows: list[bytes]

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        """The colour at ``(x, y)``."""
        r, g, b = self.rows[y][3 * x : 3 * x + 3]
        return r, g, b


def read_png(data: bytes) -> Image:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG (alpha dropped)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, idat = 8, {}, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IDAT":
            idat += body
        chunks[kind] = body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, interlace) == (8, 0)
    channels = {2: 3, 6: 4}[colour]
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = prev[i]
            corner = prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        prev = line
        rgb = line if channels == 3 else bytes(b for i, b in enumerate(line) if i % 4 != 3)
        rows.append(bytes(rgb))
    return Image(width, height, rows)


def sample(image: Image, step: int = 7) -> list[tuple[int, int, int]]:
    """Every ``step``-th pixel in both directions."""
    return [
        image.pixel(x, y) for y in range(0, image.height, step) for x in range(0, image.width, step)
    ]


def luminance(rgb: tuple[int, int, int]) -> float:
    """Perceived brightness, 0-255."""
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def assert_looks_like_a_page(image: Image, *, dark: bool) -> None:
    """Size, a background that dominates, text and the chart's colours on it."""
    pixels = sample(image)
    background = max(set(pixels), key=pixels.count)
    share = pixels.count(background) / len(pixels)
    assert 0.4 < share < 0.97, f"background covers {share:.0%}: blank or garbled"
    assert (luminance(background) < 60) if dark else (luminance(background) > 230), background
    assert len(set(pixels)) > 50, "too few colours for text and charts"
    blue = [p for p in pixels if p[2] > 180 and p[2] - p[0] > 60]  # live bars and links
    assert len(blue) > 20, "no chart or link colour"


# -- the recording proxy ----------------------------------------------------------------------


@dataclass
class Proxy:
    """An HTTP proxy on loopback that serves one page and records every other request."""

    page: bytes
    seen: list[str] = field(default_factory=list)
    port: int = 0

    def page_requests(self) -> list[str]:
        """What was asked for, except the page itself and Chromium's own background traffic."""
        return [
            s
            for s in self.seen
            if s != f"http://{PAGE_HOST}/index.html"
            and not any(
                s.split("/")[2 if "://" in s else 0].split(":")[0].endswith(h)
                for h in BROWSER_HOSTS
            )
        ]


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    """A started proxy (set its ``page`` before use); stopped at teardown."""
    state = Proxy(b"")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.seen.append(self.path)
            if self.path == f"http://{PAGE_HOST}/index.html":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(state.page)))
                self.end_headers()
                self.wfile.write(state.page)
            else:
                self.send_response(404)
                self.end_headers()

        def do_CONNECT(self) -> None:
            state.seen.append(self.path)  # an https request: host:443
            self.send_response(403)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium; fail the test with its stderr when it fails."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *QUIET, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def through(proxy: Proxy, *args: str) -> subprocess.CompletedProcess[str]:
    """Chromium with every request (loopback too) sent through ``proxy``."""
    return chromium(
        f"--proxy-server=http://127.0.0.1:{proxy.port}",
        "--proxy-bypass-list=<-loopback>",
        *args,
        f"http://{PAGE_HOST}/index.html",
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example desk's board, built offline."""
    out = tmp_path_factory.mktemp("board")
    assert main(["--fixture", str(FIXTURE), "--out", str(out)]) == 0
    return out


# -- the DOM ---------------------------------------------------------------------------------


class Dom(HTMLParser):
    """What the checks need from Chromium's serialised DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self.captions: list[str] = []
        self.svgs: list[dict[str, str | None]] = []
        self.resources: list[str] = []
        self.csp: str | None = None
        self._in: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("class") == "unit":
            self._in = "row"
        elif tag == "th" and self._in == "row":
            self._in, self._text = "row-name", ""
        elif tag == "caption":
            self._in, self._text = "caption", ""
        elif tag == "svg":
            self.svgs.append(a)
        elif tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a.get("content")
        for name in ("src", "srcset", "data", "poster"):
            if a.get(name):
                self.resources.append(f"{tag} {name}={a[name]}")
        if tag in ("link", "script", "iframe", "object", "embed", "img"):
            self.resources.append(tag)

    def handle_data(self, data: str) -> None:
        if self._in in ("row-name", "caption"):
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._in == "row-name":
            self.rows.append(self._text.strip())
            self._in = None
        elif tag == "caption" and self._in == "caption":
            self.captions.append(self._text.strip())
            self._in = None


@needs_chromium
def test_the_rendered_board_has_every_row_and_every_charts_text(site: Path, proxy: Proxy) -> None:
    proxy.page = (site / "index.html").read_bytes()
    dom = Dom()
    dom.feed(through(proxy, "--dump-dom").stdout)
    assert dom.rows == [
        "ICT_QM",
        "REGIME_FILTER",
        "SESSION_BREAKOUT",
        "FILL_PREDICTOR",
        "SLIPPAGE_MODEL",
    ]
    assert len(dom.svgs) == 4
    for svg in dom.svgs:
        assert svg.get("role") == "img"
        assert svg.get("aria-labelledby")
    for tag in ("v1.2.3", "v1.2.2", "v1.2.1", "v2.0.1-hotfix"):
        assert f"Rollout of {tag}: plan and actual (text)" in dom.captions
    assert dom.csp == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    assert dom.resources == []


@needs_chromium
def test_no_request_leaves_the_page(site: Path, proxy: Proxy) -> None:
    proxy.page = (site / "index.html").read_bytes()
    through(proxy, "--dump-dom")
    assert f"http://{PAGE_HOST}/index.html" in proxy.seen  # the proxy did see the browser
    assert proxy.page_requests() == []


@needs_chromium
def test_the_proxy_would_see_a_page_that_asks_for_something(proxy: Proxy) -> None:
    proxy.page = (
        b'<!DOCTYPE html><html><head><link rel="stylesheet" href="https://cdn.invalid/a.css">'
        b'</head><body><img src="http://leak.invalid/pixel.png"></body></html>'
    )
    through(proxy, "--dump-dom")
    assert "cdn.invalid:443" in proxy.page_requests()
    assert "http://leak.invalid/pixel.png" in proxy.page_requests()


@needs_chromium
@pytest.mark.parametrize("scheme", [LIGHT, DARK], ids=["light", "dark"])
def test_screenshots_look_like_a_page(site: Path, tmp_path: Path, scheme: str) -> None:
    shot = tmp_path / "board.png"
    chromium(
        scheme,
        "--window-size=1400,1600",
        f"--screenshot={shot}",
        (site / "index.html").as_uri(),
    )
    data = shot.read_bytes()
    assert 30_000 < len(data) < 5_000_000
    image = read_png(data)
    assert (image.width, image.height) == (1400, 1600)
    assert_looks_like_a_page(image, dark=scheme == DARK)


@needs_chromium
def test_the_board_prints(site: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "board.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", (site / "index.html").as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 2 <= pages <= 30, pages


def test_the_committed_screenshot_looks_like_the_board() -> None:
    data = SCREENSHOT.read_bytes()
    assert 30_000 < len(data) < 1_500_000
    image = read_png(data)
    assert image.width >= 1000
    assert image.height >= 800
    assert_looks_like_a_page(image, dark=False)
