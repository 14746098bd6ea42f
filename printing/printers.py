"""Printer addresses, the ESC/POS print job, and delivering it to the printer.

A printer is named by a URL (``tcp://``, ``usb://``, ``serial://``,
``file://`` or ``none``) so that one text field in the admin screens, or
one environment variable, can describe any of them.

The job is built once, in memory, and then written in one go. That keeps
the time spent talking to a printer bounded by a single deadline, which
matters because a kiosk waits for the answer while a citizen stands there.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import socket
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from PIL import Image

from printing.layout import PAPER_80_MM_DOTS, render_ticket

if TYPE_CHECKING:
    from escpos.escpos import Escpos

try:
    import fcntl
    import termios

    _TIOCOUTQ: int | None = termios.TIOCOUTQ
except (ImportError, AttributeError):  # Windows, or a system without the request
    _TIOCOUTQ = None

DEFAULT_NETWORK_PORT = 9100
DEFAULT_SERIAL_BAUDRATE = 9600
#: python-escpos's own defaults, right for most USB receipt printers.
DEFAULT_USB_OUT_ENDPOINT = 0x01
DEFAULT_USB_IN_ENDPOINT = 0x82
DEFAULT_TIMEOUT_S = 3.0
#: Extra wait for the delivering thread, so that the transport's own, more
#: precise error (refused, timed out while sending) wins over the watchdog.
WATCHDOG_GRACE_S = 0.25
ACKNOWLEDGEMENT_POLL_S = 0.005

#: Timeouts of pyserial and pyusb, which are not TimeoutError subclasses.
TIMEOUT_ERROR_NAMES = ("SerialTimeoutException", "USBTimeoutError")

SUPPORTED_URL_FORMS = (
    "tcp://HOST[:PORT], usb://VENDOR:PRODUCT (hex ids), serial:///dev/DEVICE[?baudrate=N], "
    "file:///PATH or none"
)


class PrintError(Exception):
    """The printer could not print; the ticket stands all the same."""


class PrinterUrlError(ValueError):
    """A printer URL that cannot name a printer; the message says what is wrong."""


@dataclass(frozen=True)
class NetworkPrinterAddress:
    """An ESC/POS printer listening on a TCP port (raw printing, usually 9100)."""

    host: str
    port: int = DEFAULT_NETWORK_PORT

    def describe(self) -> str:
        return f"printer {self.host}:{self.port}"


@dataclass(frozen=True)
class UsbPrinterAddress:
    """A printer on the USB bus, found by its vendor and product ids."""

    vendor_id: int
    product_id: int
    out_endpoint: int = DEFAULT_USB_OUT_ENDPOINT
    in_endpoint: int = DEFAULT_USB_IN_ENDPOINT

    def describe(self) -> str:
        return f"USB printer {self.vendor_id:04x}:{self.product_id:04x}"


@dataclass(frozen=True)
class SerialPrinterAddress:
    """A printer on a serial port (RS-232 or a USB serial adapter)."""

    device: str
    baudrate: int = DEFAULT_SERIAL_BAUDRATE

    def describe(self) -> str:
        return f"serial printer {self.device}"


@dataclass(frozen=True)
class FilePrinterAddress:
    """A device node (``/dev/usb/lp0``) or a plain file that receives the raw job."""

    path: str

    def describe(self) -> str:
        return f"printer file {self.path}"


PrinterAddress = (
    NetworkPrinterAddress | UsbPrinterAddress | SerialPrinterAddress | FilePrinterAddress
)


def parse_printer_url(printer_url: str) -> PrinterAddress | None:
    """Read a printer URL; None means "no printer" (``none`` or empty).

    Raises :class:`PrinterUrlError` with a message an administrator can act
    on, so the admin screens can reject a typo before a citizen meets it.
    """
    text = (printer_url or "").strip()
    if text.lower() in ("", "none"):
        return None
    if "://" not in text:
        raise PrinterUrlError(f"{text!r} is not a printer URL; use {SUPPORTED_URL_FORMS}")
    scheme = text.split("://", 1)[0].lower()
    parsers = {
        "tcp": _parse_network_url,
        "usb": _parse_usb_url,
        "serial": _parse_serial_url,
        "file": _parse_file_url,
    }
    if scheme not in parsers:
        raise PrinterUrlError(f"unknown printer kind {scheme!r}; use {SUPPORTED_URL_FORMS}")
    return parsers[scheme](text)


def _parse_network_url(url: str) -> NetworkPrinterAddress:
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise PrinterUrlError(f"{url!r}: a network printer URL is tcp://HOST[:PORT] and no more")
    if parts.netloc.startswith("["):
        # python-escpos opens IPv4 sockets only.
        raise PrinterUrlError(f"{url!r}: IPv6 addresses are not supported; use an IPv4 address")
    if not parts.hostname:
        raise PrinterUrlError(f"{url!r}: the printer's host name or IP address is missing")
    try:
        port = parts.port
    except ValueError:
        raise PrinterUrlError(f"{url!r}: the port must be a number from 1 to 65535") from None
    if port == 0:
        raise PrinterUrlError(f"{url!r}: the port must be a number from 1 to 65535")
    return NetworkPrinterAddress(parts.hostname, port or DEFAULT_NETWORK_PORT)


def _parse_usb_url(url: str) -> UsbPrinterAddress:
    parts = urlsplit(url)
    ids = parts.netloc.split(":")
    if len(ids) != 2 or parts.path not in ("", "/"):
        raise PrinterUrlError(
            f"{url!r}: a USB printer URL is usb://VENDOR:PRODUCT with hex ids, e.g. usb://04b8:0202"
        )
    vendor_id = _parse_hex_id(ids[0], "vendor id", url)
    product_id = _parse_hex_id(ids[1], "product id", url)
    options = _parse_query(url, parts.query, allowed=("out_endpoint", "in_endpoint"))
    return UsbPrinterAddress(
        vendor_id,
        product_id,
        out_endpoint=_parse_hex_id(options.get("out_endpoint", "0x01"), "out_endpoint", url),
        in_endpoint=_parse_hex_id(options.get("in_endpoint", "0x82"), "in_endpoint", url),
    )


def _parse_serial_url(url: str) -> SerialPrinterAddress:
    parts = urlsplit(url)
    # serial:///dev/ttyUSB0 on Linux; serial://COM3 on Windows.
    device = unquote(parts.netloc + parts.path)
    if not device or device == "/":
        raise PrinterUrlError(f"{url!r}: the serial device is missing, e.g. serial:///dev/ttyUSB0")
    options = _parse_query(url, parts.query, allowed=("baudrate",))
    baudrate_text = options.get("baudrate", str(DEFAULT_SERIAL_BAUDRATE))
    if not baudrate_text.isdigit() or int(baudrate_text) == 0:
        raise PrinterUrlError(f"{url!r}: baudrate must be a positive whole number")
    return SerialPrinterAddress(device, int(baudrate_text))


def _parse_file_url(url: str) -> FilePrinterAddress:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise PrinterUrlError(
            f"{url!r}: a file printer URL needs an absolute path, e.g. file:///dev/usb/lp0"
        )
    if parts.query or parts.fragment:
        raise PrinterUrlError(f"{url!r}: a file printer URL takes no options")
    path = unquote(parts.path)
    if path.endswith("/"):
        raise PrinterUrlError(f"{url!r}: the path names a folder, not a device or file")
    return FilePrinterAddress(path)


def _parse_hex_id(text: str, what: str, url: str) -> int:
    digits = text.lower().removeprefix("0x")
    if not 1 <= len(digits) <= 4 or any(digit not in "0123456789abcdef" for digit in digits):
        raise PrinterUrlError(f"{url!r}: the {what} must be 1 to 4 hex digits, not {text!r}")
    return int(digits, 16)


def _parse_query(url: str, query: str, *, allowed: tuple[str, ...]) -> dict[str, str]:
    try:
        values = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise PrinterUrlError(f"{url!r}: the options after '?' are malformed") from None
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise PrinterUrlError(
            f"{url!r}: unknown option {unknown[0]!r}; allowed: {', '.join(allowed)}"
        )
    return {name: value_list[-1] for name, value_list in values.items()}


@functools.cache
def _escpos() -> ModuleType:
    """python-escpos, with its printers and exceptions, imported on first use.

    Importing python-escpos takes a quarter of a second and calls
    ``logging.basicConfig()``, which would quietly give the app's root
    logger a handler of its own. Importing late, and taking that handler
    away again, keeps logging configuration in the app's hands.
    """
    root_logger = logging.getLogger()
    handlers_before = list(root_logger.handlers)
    import escpos.exceptions
    import escpos.printer

    for handler in list(root_logger.handlers):
        if handler not in handlers_before:
            root_logger.removeHandler(handler)
    return escpos


def build_print_job(
    ticket: Mapping[str, Any],
    *,
    office_name: str,
    width_dots: int = PAPER_80_MM_DOTS,
    language: str = "vi",
) -> bytes:
    """The complete ESC/POS byte stream for one ticket."""
    image = render_ticket(ticket, office_name=office_name, width_dots=width_dots, language=language)
    return print_job_for_image(image)


def print_job_for_image(image: Image.Image) -> bytes:
    """Initialise, the image as raster bit image (``GS v 0``), feed and cut.

    ``GS v 0`` is the raster command nearly every ESC/POS printer
    understands. ``cut()`` first prints and feeds six lines (``ESC d 6``)
    so the last line clears the cutter, then cuts (``GS V``).
    """
    job_printer = _escpos().printer.Dummy()
    _declare_paper_width(job_printer, image.width)
    job_printer.hw("INIT")
    job_printer.image(image, impl="bitImageRaster")
    job_printer.cut()
    return bytes(job_printer.output)


def _declare_paper_width(job_printer: Escpos, width_dots: int) -> None:
    """Tell python-escpos the paper width in dots.

    Its default profile leaves the width unknown, and then it prints a
    notice on standard output for every image; a known width also makes it
    refuse an image wider than the paper instead of printing garbage.
    """
    profile_data = dict(job_printer.profile.profile_data)
    profile_data["media"] = {"width": {"pixels": width_dots, "mm": "Unknown"}, "dpi": 203}
    job_printer.profile.profile_data = profile_data


def print_ticket(
    printer_url: str,
    ticket: Mapping[str, Any],
    office_name: str,
    *,
    width_dots: int = PAPER_80_MM_DOTS,
    timeout: float = DEFAULT_TIMEOUT_S,
    language: str = "vi",
) -> None:
    """Print ``ticket`` on the printer named by ``printer_url``.

    Raises :class:`PrintError` with a short message for every way a printer
    can fail, including a wrong URL, and returns or raises within about
    ``timeout`` seconds, so that the caller can issue the ticket anyway and
    log the fault.
    """
    try:
        address = parse_printer_url(printer_url)
    except PrinterUrlError as error:
        raise PrintError(f"the printer address is wrong: {error}") from error
    if address is None:
        raise PrintError("no printer is configured")
    try:
        job = build_print_job(
            ticket, office_name=office_name, width_dots=width_dots, language=language
        )
    except ValueError as error:
        # A paper width or a ticket the layout cannot take is a fault of this
        # printer's setup, and must not stop the ticket from being issued.
        raise PrintError(f"the ticket cannot be laid out: {error}") from error
    send_print_job(address, job, timeout=timeout)


def preview_png(
    ticket: Mapping[str, Any],
    office_name: str,
    width_dots: int = PAPER_80_MM_DOTS,
    *,
    language: str = "vi",
) -> bytes:
    """The ticket exactly as it would print, as PNG bytes for the admin screens."""
    image = render_ticket(ticket, office_name=office_name, width_dots=width_dots, language=language)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def send_print_job(
    address: PrinterAddress, job: bytes, *, timeout: float = DEFAULT_TIMEOUT_S
) -> None:
    """Write ``job`` to the printer at ``address``, within ``timeout`` seconds.

    Sockets, USB and serial ports get the remaining time as their own
    timeouts. A device file (or a serial port stuck in flow control) can
    block in the operating system where no timeout reaches, so the work
    runs in a helper thread that the caller stops waiting for at the
    deadline; such a thread ends when the operating system lets it go.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    deadline = time.monotonic() + timeout
    failures: list[_DeliveryFailure] = []

    def deliver() -> None:
        try:
            _deliver(address, job, deadline)
        except _DeliveryFailure as failure:
            failures.append(failure)

    worker = threading.Thread(target=deliver, name=f"ticket to {address.describe()}", daemon=True)
    worker.start()
    worker.join(timeout + WATCHDOG_GRACE_S)
    if worker.is_alive():
        raise PrintError(f"{address.describe()} did not take the ticket within {timeout:g} s")
    if failures:
        failure = failures[0]
        raise PrintError(_describe_failure(address, failure, timeout)) from failure.error


class _DeliveryFailure(Exception):
    """What went wrong while delivering, and at which step, for the message."""

    def __init__(self, step: str, error: BaseException) -> None:
        super().__init__(step, error)
        self.step = step
        self.error = error


def _deliver(address: PrinterAddress, job: bytes, deadline: float) -> None:
    step = "open"
    printer: Escpos | None = None
    try:
        printer = _open_printer(address, deadline)
        step = "write"
        _limit_write_time(printer, address, deadline - time.monotonic())
        # The job is already complete ESC/POS, so it goes out as one raw write.
        printer._raw(job)
        if isinstance(address, NetworkPrinterAddress):
            _wait_until_acknowledged(printer.device, deadline)
        step = "close"
        printer.close()
    except Exception as error:
        if printer is not None and step != "close":
            _close_quietly(printer)
        raise _DeliveryFailure(step, error) from error


def _open_printer(address: PrinterAddress, deadline: float) -> Escpos:
    """A python-escpos printer for ``address``, connected and ready to write."""
    printers = _escpos().printer
    remaining_s = deadline - time.monotonic()
    if remaining_s <= 0:
        raise TimeoutError("no time left to reach the printer")
    if isinstance(address, NetworkPrinterAddress):
        # python-escpos's own open() leaves the socket unclosed when the
        # connection fails; create_connection() closes it, and tries every
        # address a host name resolves to.
        connection = socket.create_connection((address.host, address.port), timeout=remaining_s)
        printer = printers.Network(address.host, address.port, timeout=remaining_s)
        printer.device = connection
        return printer
    if isinstance(address, UsbPrinterAddress):
        printer = printers.Usb(
            address.vendor_id,
            address.product_id,
            timeout=max(1, int(remaining_s * 1000)),  # pyusb counts milliseconds
            in_ep=address.in_endpoint,
            out_ep=address.out_endpoint,
        )
    elif isinstance(address, SerialPrinterAddress):
        printer = printers.Serial(address.device, baudrate=address.baudrate, timeout=remaining_s)
    else:
        printer = printers.File(address.path)
    printer.open()
    return printer


def _wait_until_acknowledged(connection: socket.socket, deadline: float) -> None:
    """Wait until the printer's TCP stack has acknowledged every byte of the job.

    A finished send only means the bytes reached this computer's send
    buffer, which holds far more than one ticket; a printer that is jammed
    or out of paper stops reading, and its acknowledgements stop too. Where
    the operating system cannot tell (no ``TIOCOUTQ``), the send is trusted.
    """
    if _TIOCOUTQ is None:
        return
    while True:
        queue_size = fcntl.ioctl(connection.fileno(), _TIOCOUTQ, b"\0\0\0\0")
        unacknowledged_bytes = struct.unpack("i", queue_size)[0]
        if unacknowledged_bytes == 0:
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{unacknowledged_bytes} bytes were never acknowledged")
        time.sleep(ACKNOWLEDGEMENT_POLL_S)


def _limit_write_time(printer: Escpos, address: PrinterAddress, remaining_s: float) -> None:
    """Give the open connection only the time left before the deadline."""
    if remaining_s <= 0:
        raise TimeoutError("no time left to send the ticket")
    if isinstance(address, NetworkPrinterAddress):
        printer.device.settimeout(remaining_s)
    elif isinstance(address, SerialPrinterAddress):
        printer.device.write_timeout = remaining_s
    elif isinstance(address, UsbPrinterAddress):
        printer.timeout = max(1, int(remaining_s * 1000))


def _close_quietly(printer: Escpos) -> None:
    # The failure that brought us here is the one worth reporting.
    with contextlib.suppress(Exception):
        printer.close()


def _describe_failure(address: PrinterAddress, failure: _DeliveryFailure, timeout: float) -> str:
    """A short message for the manager's fault list, from the step and the cause."""
    where = address.describe()
    cause = _innermost_cause(failure.error)
    cause_name = type(cause).__name__
    if isinstance(cause, ConnectionRefusedError):
        return f"{where} refused the connection"
    if isinstance(cause, socket.gaierror):
        return f"{where}: the host name is unknown"
    if isinstance(cause, TimeoutError) or cause_name in TIMEOUT_ERROR_NAMES:
        if failure.step == "open":
            return f"{where} did not answer within {timeout:g} s"
        return f"{where} stopped taking data (waited {timeout:g} s)"
    if cause_name == "NoBackendError":
        return "USB printing is unavailable: libusb is not installed on this computer"
    if isinstance(address, UsbPrinterAddress) and isinstance(cause, AssertionError):
        return f"{where} is not connected"
    if isinstance(cause, OSError) and cause.strerror:
        verb = "cannot be opened" if failure.step == "open" else "failed"
        return f"{where} {verb}: {cause.strerror}"
    return f"{where} failed: {cause or cause_name}"


def _innermost_cause(error: BaseException) -> BaseException:
    """The first exception in the chain behind ``error``.

    python-escpos and pyserial wrap the operating system's error in their
    own, with long messages; the innermost one says plainly what happened
    ("No such file or directory", "Connection refused").
    """
    cause = error
    for _ in range(8):  # a chain is short; the bound only guards against a cycle
        if cause.__context__ is None:
            break
        cause = cause.__context__
    return cause
