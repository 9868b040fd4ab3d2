"""The gallery's index.html in a real headless Chromium, opened from file://.

Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
commands on fd 3, replies on fd 4, NUL-separated JSON), so the test needs nothing but
the Debian `chromium` package: no webdriver, no network. It checks what a reader
would notice: every image loads (naturalWidth > 0), nothing is logged as an error
(a missing file, a blocked resource, a script error), and it saves a screenshot to
test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from lrviz.gallery import build_gallery, write_gallery

REPO = Path(__file__).resolve().parent.parent
#: Debian's `chromium` package. Tests never install it: .ci/run (and the GitHub workflow) do.
CHROMIUM = Path(shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
#: A few real configs covering overlay, grid, momentum panel and two param groups (four in
#: one folder, so the contents grid has a full row).
SAMPLE = [
    "torch/steplr.yaml",
    "torch/cycliclr.yaml",
    "torch/exponentiallr.yaml",
    "torch/onecyclelr.yaml",
    "seeds/000-cheatsheet.yaml",
    "compare/param-groups-backbone-head.yaml",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason="needs a headless Chromium (Debian package 'chromium', which .ci/run installs): "
        "no 'chromium' on PATH and no /usr/bin/chromium",
    ),
]


class Chromium:
    """Just enough of the DevTools protocol: one page, commands, collected events."""

    def __init__(self, profile: Path, timeout: float = 60.0):
        self.timeout = timeout
        cmd_r, self._cmd_w = os.pipe()  # we write commands, chromium reads fd 3
        self._out_r, out_w = os.pipe()  # chromium writes fd 4, we read

        def wire_fds():  # runs in the child before exec
            # Move both ends above 4 first: os.pipe() may have handed out 3 or 4 itself (a
            # process with few files open), and dup2 onto the same fd keeps close-on-exec.
            high_r, high_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (cmd_r, out_w))
            os.dup2(high_r, 3)  # dup2 makes the copy inheritable
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--mute-audio",
                "--window-size=1280,1600",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=wire_fds,
            close_fds=False,  # fds 3 and 4 must survive into chromium
        )
        os.close(cmd_r)
        os.close(out_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    # -- protocol
    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self._out_r], [], [], left)
            if ready:
                chunk = os.read(self._out_r, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"chromium exited: {self._stderr_tail()}")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, *, session: bool = True) -> dict:
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, seconds: float | None = None) -> dict:
        deadline = time.monotonic() + (seconds or self.timeout)
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method:
                return event
            self.events.append(event)

    def drain(self, seconds: float) -> None:
        """Collect events for a while (late console messages, image errors)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except TimeoutError:
            pass

    def _stderr_tail(self) -> str:
        try:
            return (self.proc.stderr.read() or b"")[-2000:].decode("utf-8", "replace")
        except Exception:
            return ""

    # -- a page
    def open_page(self) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def navigate(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")
        self.drain(0.5)

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Every error the page logged: console.error, uncaught exceptions, failed loads, CSP blocks."""
        out = []
        for e in self.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
            elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                entry = p["entry"]
                out.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}".strip())
        return out

    def screenshot(self, path: Path) -> None:
        metrics = self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {"x": 0, "y": 0, "width": 1280, "height": min(float(size["height"]), 6000.0), "scale": 1}
        shot = self.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._cmd_w, self._out_r):
            try:
                os.close(fd)
            except OSError:
                pass


IMAGES_JS = """
Promise.all(Array.from(document.images).map(img => img.decode().then(() => true, () => false)))
  .then(() => Array.from(document.images).map(img => ({
      src: img.getAttribute('src'), complete: img.complete, width: img.naturalWidth})))
"""


@pytest.fixture(scope="module")
def gallery_dir(tmp_path_factory):
    """A gallery of a few real configs, rendered by the library (as `lrviz gallery` does)."""
    configs = tmp_path_factory.mktemp("configs") / "configs"
    for rel in SAMPLE:
        (configs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "configs" / rel, configs / rel)
    result = build_gallery(configs, jobs=1)
    assert not result.failed, [f"{e.rel}: {e.error}" for e in result.failed]
    out = tmp_path_factory.mktemp("gallery")
    write_gallery(result, out)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chrome = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        chrome.open_page()
        yield chrome
    finally:
        chrome.close()


def test_index_html_loads_every_image_without_errors(gallery_dir, browser):
    index = gallery_dir / "index.html"
    browser.navigate(index.as_uri())
    images = browser.evaluate(IMAGES_JS)
    stems = [f"{Path(rel).parent.as_posix()}-{Path(rel).stem}" for rel in SAMPLE]
    expected = [f"{stem}.{fmt}" for stem in stems for fmt in ("svg", "png")]  # the entry's SVG, its PNG thumbnail
    assert sorted(i["src"] for i in images) == sorted(expected)
    broken = [i for i in images if not i["complete"] or i["width"] <= 0]
    assert not broken, broken
    assert browser.errors() == []
    # The contents grid links to every entry, and every anchor exists.
    links = browser.evaluate("Array.from(document.querySelectorAll('nav a')).map(a => a.getAttribute('href'))")
    assert sorted(links) == sorted(f"#{stem}" for stem in stems)
    missing = browser.evaluate(
        "Array.from(document.querySelectorAll('nav a')).filter(a => !document.getElementById(a.hash.slice(1))).length"
    )
    assert missing == 0
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "gallery-index.png"
    browser.screenshot(shot)
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


GRID_JS = """
Promise.all(Array.from(document.images).map(img => img.decode().then(() => true, () => false))).then(() =>
  Array.from(document.querySelectorAll('nav .grid > li')).map(li => {
    const img = li.querySelector('img'), a = li.querySelector('a'), r = img.getBoundingClientRect();
    return {href: a.getAttribute('href'), src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
            shown: r.width > 0 && r.height > 0, left: Math.round(r.left), top: Math.round(r.top),
            title: li.querySelector('span').textContent, titleBelow: li.querySelector('span')
              .getBoundingClientRect().top >= r.bottom - 1};
  }))
"""


def _grid(browser, width: int) -> list[dict]:
    browser.send(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": 1600, "deviceScaleFactor": 1, "mobile": False}
    )
    return browser.evaluate(GRID_JS)


def test_index_html_opens_on_a_grid_of_one_thumbnail_per_config(gallery_dir, browser):
    """Issue 16: the page opens on thumbnails (title under each) linking to each entry, one per config,
    laid out in columns that follow the window's width. The screenshot is for a person to look at."""
    browser.navigate((gallery_dir / "index.html").as_uri())
    try:
        wide = _grid(browser, 1280)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "gallery-grid.png"
        metrics = browser.send(
            "Page.captureScreenshot",
            {"format": "png", "clip": {"x": 0, "y": 0, "width": 1280, "height": 900, "scale": 1}},
        )
        shot.write_bytes(base64.b64decode(metrics["data"]))
        narrow = _grid(browser, 420)
    finally:
        browser.send("Emulation.clearDeviceMetricsOverride")
    stems = [f"{Path(rel).parent.as_posix()}-{Path(rel).stem}" for rel in SAMPLE]
    titles = [yaml.safe_load((REPO / "configs" / rel).read_text())["title"] for rel in SAMPLE]
    # One rendered thumbnail per config: each the config's PNG, loaded, visible, its title under it.
    assert len(wide) == len(SAMPLE)
    assert sorted(t["src"] for t in wide) == sorted(f"{stem}.png" for stem in stems)
    assert sorted(t["href"] for t in wide) == sorted(f"#{stem}" for stem in stems)
    assert sorted(t["title"] for t in wide) == sorted(titles)
    assert [t for t in wide if not (t["loaded"] and t["shown"] and t["titleBelow"])] == []
    assert browser.errors() == []
    # Responsive: several columns on a desktop window (torch/ has four thumbnails), one on a phone-sized one.
    assert len({t["left"] for t in wide}) >= 3, wide
    assert len({t["left"] for t in narrow}) == 1 and len({t["top"] for t in narrow}) == len(SAMPLE), narrow
    # The grid is what the page opens on: the first row is inside the first screen.
    assert min(t["top"] for t in wide) < 900
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


def test_the_harness_sees_a_missing_image(gallery_dir, browser, tmp_path):
    """Control: the same page with one SVG deleted must fail both checks above."""
    broken_dir = tmp_path / "broken"
    shutil.copytree(gallery_dir, broken_dir)
    (broken_dir / "torch-steplr.svg").unlink()
    browser.navigate((broken_dir / "index.html").as_uri())
    images = browser.evaluate(IMAGES_JS)
    assert [i["src"] for i in images if i["width"] == 0] == ["torch-steplr.svg"]
    assert any("torch-steplr.svg" in e for e in browser.errors()), browser.errors()


def test_index_html_cannot_reach_outside(gallery_dir, browser, tmp_path):
    """Control for self-containment: an external resource added to the page is blocked
    (and logged) by the page's own Content-Security-Policy, so a CDN could never sneak in."""
    page = (gallery_dir / "index.html").read_text()
    page = page.replace(
        "</body>",
        '<img src="https://example.invalid/x.png"><script src="https://example.invalid/x.js"></script></body>',
    )
    probe = tmp_path / "index.html"
    probe.write_text(page)
    for name in os.listdir(gallery_dir):
        if name.endswith(".svg"):
            shutil.copy(gallery_dir / name, tmp_path / name)
    browser.navigate(probe.as_uri())
    errors = browser.errors()
    assert any("Content Security Policy" in e or "Content-Security-Policy" in e for e in errors), errors
