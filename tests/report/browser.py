"""Open a page in real headless Chromium and report what a reader would see."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--allow-file-access-from-files", "--virtual-time-budget=10000",
]

# The wrapper loads the page in an iframe and, once it has loaded, writes what it found into
# its own DOM, which --dump-dom prints.
_PROBE = """<!DOCTYPE html><html><body><iframe id="page" src="%s" width="1200" height="900"></iframe>
<pre id="probe"></pre><script>
document.getElementById('page').addEventListener('load', () => {
  const d = document.getElementById('page').contentDocument;
  const imgs = [...d.images].map(i => ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0, w: i.naturalWidth}));
  const tables = [...d.querySelectorAll('table')].map(t => t.rows.length);
  const headings = [...d.querySelectorAll('h1,h2')].map(h => h.textContent);
  document.getElementById('probe').textContent = 'PROBE' + JSON.stringify({title: d.title, imgs, tables, headings}) + 'END';
});
</script></body></html>"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def probe_page(page: Path) -> dict:
    """{title, imgs: [{src, loaded, w}], tables: [row counts], headings} as rendered by Chromium."""
    with tempfile.TemporaryDirectory() as profile:
        wrapper = Path(profile) / "probe.html"
        wrapper.write_text(_PROBE % page.resolve().as_uri())
        result = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", wrapper.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    match = re.search(r"PROBE(.*?)END", result.stdout, re.S)
    if not match:
        raise AssertionError(f"Chromium did not render the page: rc={result.returncode} {result.stderr[-2000:]}")
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def screenshot(page: Path, out_png: Path, size: str = "1200,2000") -> Path:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
             f"--screenshot={out_png}", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=True,
        )
    return out_png
