"""Fixtures for the printing tests: tickets, fake printers, and an ESC/POS reader."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from PIL import Image, ImageChops

#: How long a fake printer waits for the code under test; generous, since it
#: only matters when something is already broken.
FAKE_PRINTER_PATIENCE_S = 10.0


@pytest.fixture
def make_ticket() -> Callable[..., dict[str, Any]]:
    """A factory of API ticket dicts; keyword arguments override the defaults."""

    def make(**overrides: Any) -> dict[str, Any]:
        ticket: dict[str, Any] = {
            "id": 42,
            "code": "A012",
            "number": 12,
            "service": "HT",
            "service_name": "Đăng ký hộ tịch",
            "service_name_en": "Civil status registration",
            "office": "DEMO",
            "state": "waiting",
            "priority": "none",
            "channel": "kiosk",
            "issued_at": "2025-03-14T08:05:59+07:00",
            "position": 7,
            "estimated_wait_s": 853.2,
            "status_url": "http://127.0.0.1:5000/t/42?key=3f9a7c21",
        }
        ticket.update(overrides)
        return ticket

    return make


class FakeNetworkPrinter:
    """A raw TCP printer (like port 9100) on 127.0.0.1 that takes one connection.

    With ``reads=False`` it accepts the connection and then never reads, as
    a jammed printer does; its receive buffer is made small so the job
    cannot vanish into it.
    """

    def __init__(self, *, reads: bool = True) -> None:
        self.reads = reads
        self.received = b""
        self._job_done = threading.Event()
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if not reads:
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        self._listener.settimeout(FAKE_PRINTER_PATIENCE_S)
        self.port = self._listener.getsockname()[1]
        self.url = f"tcp://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, name="fake printer", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self._listener.accept()
        except OSError:
            return
        with connection:
            if not self.reads:
                self._stop.wait(FAKE_PRINTER_PATIENCE_S)
                return
            connection.settimeout(FAKE_PRINTER_PATIENCE_S)
            chunks = []
            try:
                while chunk := connection.recv(65536):
                    chunks.append(chunk)
            except OSError:
                pass
            self.received = b"".join(chunks)
            self._job_done.set()

    def wait_for_job(self) -> bytes:
        """Every byte the printer received, once the sender has closed."""
        assert self._job_done.wait(FAKE_PRINTER_PATIENCE_S), "the fake printer got no job"
        return self.received

    def stop(self) -> None:
        self._stop.set()
        # Wakes an accept() still waiting for a sender that never came.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._thread.join(FAKE_PRINTER_PATIENCE_S)
        self._listener.close()


@pytest.fixture
def network_printer() -> Iterator[FakeNetworkPrinter]:
    printer = FakeNetworkPrinter()
    yield printer
    printer.stop()


@pytest.fixture
def jammed_network_printer() -> Iterator[FakeNetworkPrinter]:
    printer = FakeNetworkPrinter(reads=False)
    yield printer
    printer.stop()


@pytest.fixture
def refusing_printer_url() -> Iterator[str]:
    """A URL whose port is bound but not listening, so connecting is refused.

    Keeping the port bound stops another program from taking it meanwhile.
    """
    placeholder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    placeholder.bind(("127.0.0.1", 0))
    yield f"tcp://127.0.0.1:{placeholder.getsockname()[1]}"
    placeholder.close()


@dataclass
class RasterImage:
    """One ``GS v 0`` command: its mode byte, size and dot data."""

    mode: int
    width_bytes: int
    height: int
    data: bytes


@dataclass
class PrintJob:
    """An ESC/POS job read back into its commands, in order."""

    commands: list[str] = field(default_factory=list)
    rasters: list[RasterImage] = field(default_factory=list)
    feed_lines: list[int] = field(default_factory=list)
    cut_modes: list[int] = field(default_factory=list)

    def printed_image(self) -> Image.Image:
        """The raster parts stacked as they come out of the printer, black = dot."""
        width = self.rasters[0].width_bytes * 8
        image = Image.new("1", (width, sum(raster.height for raster in self.rasters)), 1)
        top = 0
        for raster in self.rasters:
            assert raster.width_bytes * 8 == width, "raster parts of different widths"
            # In ESC/POS a set bit is a printed dot; in Pillow's mode "1" it is white.
            dots = Image.frombytes("1", (width, raster.height), raster.data)
            image.paste(ImageChops.invert(dots), (0, top))
            top += raster.height
        return image


def read_print_job(job: bytes) -> PrintJob:
    """Walk ``job`` command by command; any byte that is not understood fails.

    Searching for command bytes would also find them inside image data, so
    the job is read strictly from the start, as a printer reads it.
    """
    parsed = PrintJob()
    offset = 0
    while offset < len(job):
        if job.startswith(b"\x1b@", offset):
            parsed.commands.append("initialise")
            offset += 2
        elif job.startswith(b"\x1dv0", offset):
            mode = job[offset + 3]
            width_bytes = job[offset + 4] + 256 * job[offset + 5]
            height = job[offset + 6] + 256 * job[offset + 7]
            start = offset + 8
            end = start + width_bytes * height
            assert end <= len(job), "raster data runs past the end of the job"
            parsed.rasters.append(RasterImage(mode, width_bytes, height, job[start:end]))
            parsed.commands.append("raster")
            offset = end
        elif job.startswith(b"\x1bd", offset):
            parsed.feed_lines.append(job[offset + 2])
            parsed.commands.append("feed")
            offset += 3
        elif job.startswith(b"\x1dV", offset):
            mode = job[offset + 2]
            parsed.cut_modes.append(mode)
            parsed.commands.append("cut")
            offset += 4 if mode in (65, 66) else 3
        elif job[offset : offset + 1] == b"\n":
            parsed.commands.append("line feed")
            offset += 1
        else:
            raise AssertionError(f"unexpected byte {job[offset]:#04x} at offset {offset}")
    return parsed


@pytest.fixture
def read_job() -> Callable[[bytes], PrintJob]:
    """:func:`read_print_job`, as a fixture so test modules need no imports from here."""
    return read_print_job
