"""Open the built site in headless Chromium and check what a reader would see.

Run from the repository root after building the site (see docs/README.md):

    python docs/check_site.py              # checks docs/_build/html, screenshots into docs/_screenshots/

It drives Debian's Chromium (`apt-get install chromium`) through playwright, offline, from file://
URLs. For the index, the tutorials' landing page, every tutorial page, one API page and the results
page it checks that

- every image on the page loaded (the browser decoded it: `naturalWidth > 0`);
- a tutorial whose source draws figures (it imports matplotlib or minembed.figures) shows at least
  one in its cell outputs;
- no cell output is an error: no traceback, no stderr block, no "Traceback (most recent call last)";
- nothing failed to render (no docutils system message) and the page made no request that failed
  (the site must not need the network) and raised no JavaScript error;

and saves a screenshot of the top of each page as docs/_screenshots/NAME.png, and for a tutorial
with figures a second one, NAME-figure.png, scrolled to its first figure. It prints one line per
page, writes the same table to docs/_screenshots/summary.md, and exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "tutorials"
VIEWPORT = {"width": 1280, "height": 900}  # a laptop screen; each PNG stays under ~300 KB
CHROMIUM_CANDIDATES = ["/usr/lib/chromium/chromium", "chromium", "chromium-browser"]  # Debian's binary first:
# /usr/bin/chromium is a shell wrapper


@dataclass
class PageResult:
    page: str  # path inside the site, e.g. "tutorials/03_word2vec.html"
    figures_expected: bool
    images: int = 0  # <img> elements on the page
    figures: int = 0  # of which in a notebook cell's output
    problems: list[str] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)


def makes_figures(source: Path) -> bool:
    """A tutorial draws figures when its jupytext source imports matplotlib or minembed.figures."""
    text = source.read_text(encoding="utf-8")
    return any(marker in text for marker in ("import matplotlib", "from matplotlib", "minembed.figures"))


def pages_to_check() -> list[tuple[str, bool]]:
    """(path in the site, whether figures are expected), in the site's reading order."""
    pages = [("index.html", False), ("tutorials/README.html", False)]
    for source in sorted(TUTORIALS.glob("[0-9][0-9]_*.py")):
        pages.append((f"tutorials/{source.stem}.html", makes_figures(source)))
    pages += [("api/vectors.html", False), ("results.html", False)]
    return pages


def find_chromium(given: str | None) -> str:
    for candidate in [given] if given else CHROMIUM_CANDIDATES:
        path = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if path:
            return str(path)
    sys.exit(f"Chromium not found (tried {', '.join([given] if given else CHROMIUM_CANDIDATES)}): "
             "install it with `apt-get install chromium`, or pass --chromium PATH")


# Evaluated in the page: what the reader sees, as counts and texts.
INSPECT = """() => {
    const images = Array.from(document.images);
    const outputs = Array.from(document.querySelectorAll('.cell_output'));
    return {
        title: document.title,
        images: images.length,
        broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
        figures: outputs.flatMap(o => Array.from(o.querySelectorAll('img'))).length,
        errors: outputs.filter(o => o.querySelector('.output.traceback, .output.error, .output.stderr')).length,
        tracebacks: outputs.filter(o => o.innerText.includes('Traceback (most recent call last)')).length,
        system_messages: document.querySelectorAll('.system-message, .problematic').length,
    };
}"""


def check_page(browser, site: Path, page: str, figures_expected: bool, out: Path) -> PageResult:
    result = PageResult(page, figures_expected)
    tab = browser.new_page(viewport=VIEWPORT)
    tab.on("requestfailed", lambda request: result.problems.append(f"request failed: {request.url}"))
    tab.on("pageerror", lambda error: result.problems.append(f"JavaScript error: {error}"))
    path = site / page
    if not path.is_file():
        result.problems.append(f"missing: {path} (build the site first)")
        tab.close()
        return result
    tab.goto(path.as_uri(), wait_until="load")
    seen = tab.evaluate(INSPECT)
    result.images, result.figures = seen["images"], seen["figures"]
    if seen["broken"]:
        result.problems.append(f"{len(seen['broken'])} image(s) did not load: {seen['broken'][:3]}")
    if figures_expected and seen["figures"] == 0:
        result.problems.append("the notebook draws figures, but no cell output shows one")
    if seen["errors"] or seen["tracebacks"]:
        result.problems.append(f"{seen['errors']} error/stderr output(s), {seen['tracebacks']} traceback(s)")
    if seen["system_messages"]:
        result.problems.append(f"{seen['system_messages']} rendering error(s) (docutils system messages)")
    name = page.removesuffix(".html").replace("/", "-")
    tab.screenshot(path=str(out / f"{name}.png"))
    result.screenshots.append(f"{name}.png")
    if seen["figures"]:
        # Scroll down (from the top) to the first figure, with the end of the cell that drew it above it.
        tab.evaluate("""() => {
            const figure = document.querySelector('.cell_output img');
            window.scrollTo({top: figure.getBoundingClientRect().top + window.scrollY - 160, behavior: "instant"});
        }""")
        tab.screenshot(path=str(out / f"{name}-figure.png"))
        result.screenshots.append(f"{name}-figure.png")
    tab.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "docs" / "_build" / "html", help="the built site")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "_screenshots", help="where the PNGs go")
    parser.add_argument("--chromium", help="the Chromium binary (default: Debian's)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright  # in the docs extra; it drives the system's Chromium

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(args.chromium), args=["--no-sandbox"])
        results = [check_page(browser, args.site, page, expected, args.out) for page, expected in pages_to_check()]
        browser.close()

    rows = ["| page | images | figures in outputs | result | screenshots |", "|---|---|---|---|---|"]
    for r in results:
        verdict = "ok" if not r.problems else "FAIL: " + "; ".join(r.problems)
        figures = f"{r.figures}" + (" (expected)" if r.figures_expected else "")
        rows.append(f"| {r.page} | {r.images} | {figures} | {verdict} | {', '.join(r.screenshots)} |")
    table = "\n".join(rows)
    (args.out / "summary.md").write_text(
        "# Browser check of the built site\n\nWritten by `python docs/check_site.py` "
        f"(headless Chromium, {VIEWPORT['width']}x{VIEWPORT['height']}).\n\n{table}\n", encoding="utf-8")
    print(table)
    failed = [r.page for r in results if r.problems]
    print(f"\n{len(results) - len(failed)} of {len(results)} pages pass" + (f"; failing: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
