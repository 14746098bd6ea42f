"""Printer URLs: each kind of printer, "none", and the mistakes an administrator makes."""

from __future__ import annotations

import pytest

from printing import PrintError, PrinterUrlError, parse_printer_url, print_ticket
from printing.printers import (
    FilePrinterAddress,
    NetworkPrinterAddress,
    SerialPrinterAddress,
    UsbPrinterAddress,
)


@pytest.mark.parametrize(
    ("printer_url", "address"),
    [
        ("tcp://192.168.1.50:9100", NetworkPrinterAddress("192.168.1.50", 9100)),
        ("tcp://192.168.1.50", NetworkPrinterAddress("192.168.1.50", 9100)),
        ("tcp://printer-kiosk-1.local:9101/", NetworkPrinterAddress("printer-kiosk-1.local", 9101)),
        ("  TCP://10.0.0.7:4242  ", NetworkPrinterAddress("10.0.0.7", 4242)),
        ("usb://04b8:0202", UsbPrinterAddress(0x04B8, 0x0202)),
        ("usb://0x0416:0x5011", UsbPrinterAddress(0x0416, 0x5011)),
        (
            "usb://0fe6:811E?out_endpoint=0x02&in_endpoint=81",
            UsbPrinterAddress(0x0FE6, 0x811E, out_endpoint=0x02, in_endpoint=0x81),
        ),
        ("serial:///dev/ttyUSB0", SerialPrinterAddress("/dev/ttyUSB0", 9600)),
        ("serial:///dev/ttyS1?baudrate=115200", SerialPrinterAddress("/dev/ttyS1", 115200)),
        ("serial://COM3", SerialPrinterAddress("COM3", 9600)),
        ("file:///dev/usb/lp0", FilePrinterAddress("/dev/usb/lp0")),
        ("file:///var/spool/ticket%20out.bin", FilePrinterAddress("/var/spool/ticket out.bin")),
        ("file://localhost/dev/usb/lp1", FilePrinterAddress("/dev/usb/lp1")),
    ],
)
def test_parse_printer_url(printer_url, address):
    assert parse_printer_url(printer_url) == address


@pytest.mark.parametrize("printer_url", ["none", "NONE", " None ", "", "   "])
def test_none_means_no_printer(printer_url):
    assert parse_printer_url(printer_url) is None


@pytest.mark.parametrize(
    ("printer_url", "message"),
    [
        ("192.168.1.50:9100", "not a printer URL"),
        ("lpt://LPT1", "unknown printer kind 'lpt'"),
        ("http://192.168.1.50", "unknown printer kind 'http'"),
        ("tcp://", "host name or IP address is missing"),
        ("tcp://:9100", "host name or IP address is missing"),
        ("tcp://192.168.1.50:99999", "port must be a number"),
        ("tcp://192.168.1.50:print", "port must be a number"),
        ("tcp://192.168.1.50:0", "port must be a number"),
        ("tcp://192.168.1.50:9100/queue", r"is tcp://HOST\[:PORT\] and no more"),
        ("tcp://[::1]:9100", "IPv6"),
        ("usb://04b8", "usb://VENDOR:PRODUCT"),
        ("usb://04b8:0202:1", "usb://VENDOR:PRODUCT"),
        ("usb://04b8:zz02", "product id must be 1 to 4 hex digits"),
        ("usb://104b8:0202", "vendor id must be 1 to 4 hex digits"),
        ("usb://04b8:0202?speed=fast", "unknown option 'speed'"),
        ("serial://", "serial device is missing"),
        ("serial:///dev/ttyUSB0?baudrate=fast", "baudrate must be a positive whole number"),
        ("serial:///dev/ttyUSB0?baudrate=0", "baudrate must be a positive whole number"),
        ("serial:///dev/ttyUSB0?parity=even", "unknown option 'parity'"),
        ("file://dev/usb/lp0", "needs an absolute path"),
        ("file://", "needs an absolute path"),
        ("file:///var/spool/", "names a folder"),
        ("file:///dev/usb/lp0?append=1", "takes no options"),
    ],
)
def test_bad_printer_url_is_refused_with_a_reason(printer_url, message):
    with pytest.raises(PrinterUrlError, match=message) as raised:
        parse_printer_url(printer_url)

    assert isinstance(raised.value, ValueError)


def test_print_ticket_turns_a_bad_url_into_a_print_error(make_ticket):
    with pytest.raises(PrintError, match=r"printer address is wrong: .*unknown printer kind"):
        print_ticket("lpt://LPT1", make_ticket(), "UBND phường Bến Nghé")


@pytest.mark.parametrize("printer_url", ["none", ""])
def test_print_ticket_without_a_printer_says_so(make_ticket, printer_url):
    with pytest.raises(PrintError) as raised:
        print_ticket(printer_url, make_ticket(), "UBND phường Bến Nghé")

    assert str(raised.value) == "no printer is configured"
