"""Headless Chromium (Debian's chromium + chromedriver) driven by selenium, for report checks."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000"]


def driver_or_skip():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def check_book(driver, book: Path) -> dict:
    """Load every page: count broken images, unresolved local links, horizontal overflow."""
    pages = sorted(book.glob("*.html"))
    broken_images, broken_links, overflow = [], [], []
    for page in pages:
        driver.get(page.resolve().as_uri())
        imgs = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt || '']);")
        broken_images += [(page.name, alt) for ok, alt in imgs if not ok]
        broken_images += [(page.name, "no alt text") for ok, alt in imgs if ok and not alt]
        hrefs = driver.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href);")
        for href in hrefs:
            url = urlparse(href)
            if url.scheme == "file":
                target = Path(unquote(url.path))
                if not target.exists():
                    broken_links.append((page.name, href))
        wide = driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1;")
        if wide:
            overflow.append(page.name)
    return {"pages": len(pages), "broken_images": broken_images, "broken_links": broken_links, "overflow": overflow}


def screenshot(driver, page: Path, target: Path) -> Path:
    driver.set_window_size(1280, 1000)
    driver.get(page.resolve().as_uri())
    height = driver.execute_script("return document.documentElement.scrollHeight;")
    driver.set_window_size(1280, min(int(height) + 50, 8000))
    driver.save_screenshot(str(target))
    return target
