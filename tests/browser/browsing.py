"""What the browser tests share: where things are, the screen size, screenshots."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"
FOLDERS = ("notebooks", "exercises", "solutions", "zh/notebooks", "zh/exercises", "zh/solutions")
#: The screen the panels must fit: a classroom projector.
SCREEN = {"width": 1280, "height": 720}


def screenshot(page_or_locator, name: str) -> Path:
    """Save a PNG of a page or an element to tests/browser/screenshots/ (ignored by git)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page_or_locator.screenshot(path=str(path))
    return path
