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
import re
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
MAX_FILE_SIZE_MB = 5


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
            + ["--work-dir", str(work_dir), "--device", "cpu", "--max-file-size", f"{MAX_FILE_SIZE_MB}mb"],
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

    # The segments are on the page (a thumbnail and the times of each), the model by name with the demo note, and
    # no server path anywhere.
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "vsum-la demo checkpoint (SynthXum)" in page and "synthetic" in page
    assert REPO_ROOT not in browser.page_source and str(tmp_path) not in page
    thumbnails = browser.find_elements(By.CSS_SELECTOR, "#segments img")
    assert browser.find_elements(By.CSS_SELECTOR, "#chapters-checkbox input[type=checkbox]")  # chapters: opt-in

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
    assert summary["model"] == "vsum-la demo checkpoint (SynthXum)"
    assert len(thumbnails) == len(summary["segments"]) == len(list(folder.glob("space_upload.segment-*.jpg")))
    for start, end in summary["segments"]:
        assert f"{start:.1f}–{end:.1f} s" in page

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
    text, reel, plot, thumbnails, rows, summary = app.summarize_upload(video, 0.3, model, processor, tmp_path / "work")
    assert text and Path(reel).is_file() and Path(plot).is_file() and summary["summary_ratio"] == 0.3
    assert rows == [] and "chapters" not in summary
    assert [caption for _, caption in thumbnails] == [
        f"{a:.1f}–{b:.1f} s ({b - a:.1f} s)" for a, b in summary["segments"]
    ]
    assert all(Path(image).read_bytes()[:2] == b"\xff\xd8" for image, _ in thumbnails)  # JPEG
    assert isinstance(app.build_demo(model, processor, work_dir=tmp_path / "work2"), gr.Blocks)

    # Chapters (the checkbox): one caption per segment, shown with its times; the summary JSON is rounded.
    from vsum.formatting import round_summary

    *_, rows, summary = app.summarize_upload(video, 0.3, model, processor, tmp_path / "work", chapters=True)
    assert len(rows) == len(summary["chapters"]) == len(summary["segments"]) > 0
    for (time_range, title), chapter in zip(rows, summary["chapters"]):
        assert time_range == app.chapter_time(chapter["start"], chapter["end"]) and title == chapter["title"]
    assert app.chapter_time(61.25, 75.0) == "1:01.2–1:15.0"
    assert summary == round_summary(summary)
    with pytest.raises(gr.Error, match="'chapters' must be true or false"):
        app.summarize_upload(video, 0.3, model, processor, tmp_path / "work", chapters="yes")

    # The duration cap: the library's probe refuses it before decoding, one line naming the file.
    with pytest.raises(gr.Error) as caught:
        app.summarize_upload(video, 0.3, model, processor, tmp_path / "work", max_duration=2.0)
    assert caught.value.message == "small.mp4: video is 3.0 s long, more than the allowed maximum of 2 s"
    # The page shows a model name, never a server path.
    from vsum.loading import DEMO_CHECKPOINT

    assert app.display_model_name(str(DEMO_CHECKPOINT)) == "vsum-la demo checkpoint (SynthXum)"
    assert app.display_model_name(str(tmp_path / "work")) == "work"
    assert app.display_model_name("ORG/vsum-la") == "ORG/vsum-la"


def test_uploads_above_max_file_size_are_refused(server: dict, tmp_path: Path) -> None:
    """Gradio's `max_file_size` (here `--max-file-size 5mb`): a larger upload gets HTTP 413, a small one passes."""
    import urllib.error

    def upload(size: int) -> int:
        boundary = "vsumtestboundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.mp4"\r\n'
                "Content-Type: video/mp4\r\n\r\n"
            ).encode()
            + b"\0" * size
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            server["url"] + "gradio_api/upload",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert upload((MAX_FILE_SIZE_MB + 1) * 1024 * 1024) == 413
    assert upload(1024) == 200


SPACE_CHILD = r"""
import sys
sys.path.insert(0, ".")
import json
import pathlib
import app
import vsum
from vsum.loading import DEMO_VIDEO, load_model_and_processor

model, processor = load_model_and_processor(device="cpu")
result = app.summarize_upload(str(DEMO_VIDEO), 0.15, model, processor, pathlib.Path("work"))
app.build_demo(model, processor)
print(json.dumps({"vsum": vsum.__file__, "demo": str(DEMO_VIDEO), "text": result[0],
                  "modules": sorted({name.split(".")[0] for name in sys.modules})}))
"""


def test_make_space_builds_a_self_contained_space(tmp_path: Path) -> None:
    """`space/make_space.py` gives a folder that runs from itself: the copied vsum, not the installed one."""
    require_tools()
    import tomllib

    space = tmp_path / "space"
    subprocess.run([sys.executable, str(APP.parent / "make_space.py"), str(space)], check=True, timeout=120)
    assert not [p for p in space.rglob("*") if p.is_symlink()]  # links resolved: a Space repo stores files
    lines = [line.strip() for line in (space / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    names = {re.split(r"[=<>!~ \[@]", line, maxsplit=1)[0].lower() for line in requirements}
    assert not any(name.startswith("vsum") for name in names), requirements  # vsum comes as the copied folder
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VSUM_MODEL")}
    env.update(HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    result = subprocess.run(
        [sys.executable, "-c", SPACE_CHILD], cwd=space, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    child = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(child["vsum"]).resolve().is_relative_to(space.resolve()), child["vsum"]
    assert Path(child["demo"]).resolve().is_relative_to(space.resolve()) and child["text"]
    # Every vsum-la dependency the Space imports is in its requirements.txt.
    pyproject = tomllib.loads((Path(REPO_ROOT) / "pyproject.toml").read_text())
    import_names = {"huggingface-hub": "huggingface_hub", "pyyaml": "yaml", "pillow": "PIL"}
    for requirement in pyproject["project"]["dependencies"]:
        name = re.split(r"[=<>!~ \[@]", requirement, maxsplit=1)[0].lower()
        if import_names.get(name, name) in child["modules"]:
            assert name in names, f"the Space imports {name} but its requirements.txt does not list it"
