# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The Gradio Space (`space/app.py`) end to end: a real server on 127.0.0.1, driven by headless Chromium.

Needs `gradio` and `selenium` (pip) and Debian's `chromium` + `chromium-driver` (`/usr/bin/chromium`,
`/usr/bin/chromedriver`); CI (`.ci/run`) installs them, so a missing one is a failure, not a skip.
Set `VSUM_SPACE_SCREENSHOT=/path/to/file.png` to save a screenshot of the finished page.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from conftest import REPO_ROOT, write_video


APP = Path(REPO_ROOT) / "space" / "app.py"
SAMPLE = Path(REPO_ROOT) / "vsum" / "demo" / "synthxum_sample.mp4"
CHROMIUM = os.environ.get("VSUM_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("VSUM_CHROMEDRIVER", "/usr/bin/chromedriver")
START_TIMEOUT_S = 60.0
RESULT_TIMEOUT_S = 120.0
RATIO = "0.3"


def require_tools() -> None:
    """Fails (never skips) with what to install when a tool the test needs is missing."""
    missing = [
        f"python package {name!r} (pip install {name})"
        for name in ("gradio", "selenium")
        if importlib.util.find_spec(name) is None
    ]
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            missing.append(f"{path} (apt-get install {package})")
    if missing:
        pytest.fail("the Space test needs " + "; ".join(missing), pytrace=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:]


def wait_for_http(url: str, process: subprocess.Popen, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the app did not answer at {url} within {timeout_s:.0f} s:\n{_tail(log)}")


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[dict]:
    """`python space/app.py` on a free port (demo checkpoint); always stopped at teardown."""
    require_tools()
    port = free_port()
    work_dir = tmp_path / "work"
    log = tmp_path / "app.log"
    env = {
        **os.environ,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "GRADIO_TEMP_DIR": str(tmp_path / "gradio"),
    }
    env.pop("VSUM_MODEL", None)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, str(APP), "--host", "127.0.0.1", "--port", str(port)]
            + ["--work-dir", str(work_dir), "--device", "cpu"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, process, log, START_TIMEOUT_S)
        yield {"url": url, "work_dir": work_dir, "log": log}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture()
def browser(tmp_path: Path):
    """Headless Chromium through Debian's chromedriver (no Selenium Manager downloads)."""
    require_tools()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1400")
    service = Service(CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.read()


def _upload_and_summarize(browser, url: str, video: Path, ratio: str | None, fail: Callable[[str], NoReturn]) -> None:
    """Opens the page, uploads `video`, sets the ratio (when given) and clicks Summarize; `fail(what)` on timeout."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)
    try:
        browser.get(url)
        file_input = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#input-video input[type=file]"))
        file_input.send_keys(str(video))
        # The upload has finished once the input component previews it.
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#input-video video[src]"))
        if ratio is not None:
            number = browser.find_element(By.CSS_SELECTOR, "#ratio input[type=number]")
            number.send_keys(Keys.CONTROL, "a")
            number.send_keys(ratio, Keys.TAB)
            slider = browser.find_element(By.CSS_SELECTOR, "#ratio input[type=range]")
            wait.until(lambda d: slider.get_attribute("value") == ratio)
        browser.find_element(By.CSS_SELECTOR, "#summarize").click()
    except TimeoutException:
        fail(f"the page did not take the upload of {video.name} (ratio {ratio})")


def test_space_summarizes_an_upload(server: dict, browser, tmp_path: Path) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def fail(what: str) -> NoReturn:
        browser.save_screenshot(str(tmp_path / "failure.png"))
        pytest.fail(f"{what} (screenshot {tmp_path / 'failure.png'}); app log:\n{_tail(server['log'])}", pytrace=False)

    # A copy under a distinctive name, so the outputs can be matched to this upload.
    upload = tmp_path / "space_upload.mp4"
    shutil.copyfile(SAMPLE, upload)
    _upload_and_summarize(browser, server["url"], upload, RATIO, fail)

    def outputs(driver):
        text = driver.find_element(By.CSS_SELECTOR, "#summary-text textarea").get_attribute("value")
        reels = driver.find_elements(By.CSS_SELECTOR, "#highlight-reel video[src]")
        plots = driver.find_elements(By.CSS_SELECTOR, "#saliency-plot img[src]")
        if text and text.strip() and reels and plots:
            return text, reels[0].get_attribute("src"), plots[0].get_attribute("src")
        return False

    try:
        text, reel_url, plot_url = WebDriverWait(browser, RESULT_TIMEOUT_S, poll_frequency=0.5).until(outputs)
    except TimeoutException:
        fail(f"no text + reel + plot within {RESULT_TIMEOUT_S:.0f} s")
    if screenshot := os.environ.get("VSUM_SPACE_SCREENSHOT"):
        browser.save_screenshot(screenshot)

    # The browser's URLs serve the files: an mp4 (ISO BMFF `ftyp` box) and a PNG.
    assert _fetch(reel_url)[4:8] == b"ftyp", reel_url
    assert _fetch(plot_url).startswith(b"\x89PNG\r\n\x1a\n"), plot_url

    # Server side: one request folder holding the three outputs, made with the slider's ratio.
    requests = list(server["work_dir"].glob("request-*"))
    assert len(requests) == 1, requests
    folder = requests[0]
    reel, plot = folder / "space_upload.highlights.mp4", folder / "space_upload.saliency.png"
    assert reel.stat().st_size > 0 and plot.stat().st_size > 0
    summary = json.loads((folder / "space_upload.summary.json").read_text())
    assert summary["text"] == text
    assert summary["summary_ratio"] == pytest.approx(float(RATIO))
    assert summary["video"] == "space_upload.mp4" and summary["segments"]

    # A corrupt upload: the page shows the one-line reason (a gr.Error toast) and no outputs are kept.
    corrupt = tmp_path / "corrupt_upload.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 16)
    _upload_and_summarize(browser, server["url"], corrupt, None, fail)

    def error_toast(driver):
        texts = [element.text for element in driver.find_elements(By.CSS_SELECTOR, "[data-testid=toast-body]")]
        return [text for text in texts if "corrupt_upload.mp4: " in text]

    try:
        (toast,) = WebDriverWait(browser, 30, poll_frequency=0.5).until(error_toast)
    except TimeoutException:
        fail("no error toast for the corrupt upload")
    reason = next(line for line in toast.splitlines() if line.startswith("corrupt_upload.mp4: "))
    assert "not a readable video" in reason and str(tmp_path) not in reason, toast
    assert list(server["work_dir"].glob("request-*")) == requests


def test_summarize_upload_errors_are_one_line(tmp_path: Path) -> None:
    """No upload or a corrupt file: a `gr.Error` with a one-line reason naming the file, not the server path."""
    require_tools()
    spec = importlib.util.spec_from_file_location("vsum_space_app", APP)
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    import gradio as gr

    from vsum.loading import load_model_and_processor

    model, processor = load_model_and_processor(device="cpu")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    with pytest.raises(gr.Error, match="Upload a video"):
        app.summarize_upload(None, 0.15, model, processor, tmp_path / "work")
    with pytest.raises(gr.Error) as caught:
        app.summarize_upload(str(corrupt), 0.15, model, processor, tmp_path / "work")
    message = caught.value.message
    assert "\n" not in message and message.startswith("corrupt.mp4:") and str(tmp_path) not in message, message
    assert not list((tmp_path / "work").glob("request-*"))  # the failed request's folder is removed

    # A valid small video works through the same function, and the demo builds without launching.
    video = write_video(tmp_path / "small.mp4", duration=3.0, fps=10)
    text, reel, plot, summary = app.summarize_upload(video, 0.3, model, processor, tmp_path / "work")
    assert text and Path(reel).is_file() and Path(plot).is_file() and summary["summary_ratio"] == 0.3
    assert isinstance(app.build_demo(model, processor, work_dir=tmp_path / "work2"), gr.Blocks)
