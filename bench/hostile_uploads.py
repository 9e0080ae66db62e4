"""Memory of a gunicorn worker serving imports of zip bombs (issue 14, finding 5).

Starts gunicorn with one worker on a fresh SQLite database, measures the worker's resident
memory when idle (after a warm-up import of a good file), then uploads each bomb to
POST /api/v1/imports?dry_run=true and samples the worker's VmRSS from /proc every 5 ms while
the request runs. Prints one line per file: its size, the answer, the time and the peak RSS
above idle. Run: ``.venv/bin/python bench/hostile_uploads.py``.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile_files import (  # noqa: E402
    CONTENT_TYPES,
    ROOT_RELS,
    WORKBOOK,
    WORKBOOK_RELS,
    many_strings_bomb,
    shared_bomb,
    sheet,
)


def sheet_bomb(size: int, shared: bool = False) -> bytes:
    """A workbook whose worksheet is ``size`` bytes of rows of 26 small cells."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/sharedStrings.xml", '<sst xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><si><t>学校标识码</t></si><si><t>学校名称</t></si></sst>'),
        ):  # fmt: skip
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            head = sheet("@").split("@")
            part.write(head[0].encode())
            part.write(b'<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>')
            row = b"<row>" + b'<c t="inlineStr"><is><t>x</t></is></c>' * 26 + b"</row>"
            block = row * ((1 << 20) // len(row) + 1)
            for _ in range(size // len(block)):
                part.write(block)
            part.write(head[1].encode())
    return out.getvalue()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def upload(port: int, token: str, content: bytes, name: str) -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/imports?dry_run=true",
        data=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read().decode()[:200]
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        try:
            return error.code, json.loads(text)["message"]
        except ValueError:
            return error.code, text[:200]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bombs-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGICAMPUS_")}
    from cryptography.fernet import Fernet

    env.update(
        DIGICAMPUS_DATABASE_URL=f"sqlite:///{work / 'bench.sqlite'}",
        DIGICAMPUS_FERNET_KEYS=Fernet.generate_key().decode(),
        DIGICAMPUS_SECRET_KEY=os.urandom(24).hex(),
        DIGICAMPUS_METRICS_DIR=str(work),
        DIGICAMPUS_LOG_LEVEL="WARNING",
    )
    digicampus = [str(Path(sys.executable).parent / "digicampus")]
    subprocess.run([*digicampus, "db", "upgrade"], env=env, check=True, capture_output=True)
    made = subprocess.run(
        [*digicampus, "users", "create-admin", "bench"], env=env, check=True, capture_output=True
    ).stdout.decode()
    token = next(word for word in made.split() if word.startswith("dc_"))
    files = [
        ("warm-up: a small CSV", "学校标识码,学校名称\n2153010001,x\n".encode(), "good.csv"),
        ("one 400 MiB shared string", shared_bomb(400 << 20), "a.xlsx"),
        ("1.5 GiB worksheet", sheet_bomb(1536 << 20), "b.xlsx"),
        ("15 million tiny shared strings", many_strings_bomb(15_000_000), "c.xlsx"),
        ("250 MiB shared string (under the size limit)", shared_bomb(250 << 20), "d.xlsx"),
        ("250 MiB worksheet of cells (under the size limit)", sheet_bomb(250 << 20), "e.xlsx"),
    ]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (work / "gunicorn.log").open("wb")
    command = [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_conf"]
    server = subprocess.Popen(
        [*command, "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json").close()
                break
            except OSError:
                time.sleep(0.3)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        worker = int(children[0])
        upload(port, token, files[0][1], files[0][2])  # warm-up: the import code is loaded
        idle = rss_kib(worker)
        print(f"worker idle RSS {idle // 1024} MiB; load: {os.getloadavg()}", flush=True)
        for label, content, name in files:
            peak = [rss_kib(worker)]
            done = threading.Event()

            def sample(into: list[int] = peak, stop: threading.Event = done) -> None:
                while not stop.is_set():
                    into[0] = max(into[0], rss_kib(worker))
                    time.sleep(0.005)

            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.monotonic()
            status, message = upload(port, token, content, name)
            took = time.monotonic() - started
            done.set()
            sampler.join()
            print(
                f"| {label} | {len(content) / 1024:,.0f} KiB | {status} | {took:.1f} s | "
                f"{(peak[0] - idle) / 1024:.0f} MiB | {message} |",
                flush=True,
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


if __name__ == "__main__":
    main()
