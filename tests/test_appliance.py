"""The kiosk PC's and TV's set-up in deploy/appliance: the start script,
its units, the printer's udev rule and ``luot-check``, run for real where
this machine can."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

APPLIANCE = Path(__file__).resolve().parent.parent / "deploy" / "appliance"
SCREEN = APPLIANCE / "luot-screen"
CHECK = APPLIANCE / "luot-check"
#: Where the README installs the start script.
INSTALLED_SCREEN = "/usr/local/bin/luot-screen"


def run_check(*arguments, **environment):
    return subprocess.run(
        [sys.executable, str(CHECK), *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **environment},
    )


def run_screen(*arguments):
    return subprocess.run(
        ["bash", str(SCREEN), *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "LUOT_SCREEN_DRY_RUN": "1", "LUOT_BROWSER": "/usr/bin/chromium"},
    )


@pytest.fixture
def listening_port():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture
def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- luot-check ------------------------------------------------------------------------


def test_check_passes_with_the_server_and_a_listening_printer(live_server, listening_port):
    result = run_check(live_server.base_url, f"tcp://127.0.0.1:{listening_port}")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines() == [
        f"OK   server {live_server.base_url}/healthz answered 200 (ok)",
        f"OK   printer tcp://127.0.0.1:{listening_port} accepts connections on"
        f" 127.0.0.1:{listening_port}",
    ]


def test_check_fails_on_a_printer_port_nobody_listens_on(live_server, closed_port):
    result = run_check(live_server.base_url, f"tcp://127.0.0.1:{closed_port}")
    assert result.returncode == 1
    server_line, printer_line = result.stdout.splitlines()
    assert server_line.startswith("OK   server ")
    assert printer_line.startswith(f"FAIL printer tcp://127.0.0.1:{closed_port}: no connection")


def test_check_fails_when_the_server_is_unreachable(closed_port):
    result = run_check(f"http://127.0.0.1:{closed_port}")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"FAIL server http://127.0.0.1:{closed_port}/healthz unreachable: [Errno 111]"
        " Connection refused"
    ]


def test_check_reads_the_server_and_printer_from_the_environment(live_server, listening_port):
    result = run_check(
        LUOT_SERVER_URL=live_server.base_url, LUOT_PRINTER=f"tcp://127.0.0.1:{listening_port}"
    )
    assert result.returncode == 0
    assert [line[:5] for line in result.stdout.splitlines()] == ["OK   ", "OK   "]


def test_check_without_a_server_says_how_to_call_it():
    result = run_check(LUOT_SERVER_URL="")
    assert result.returncode == 2
    assert "usage: luot-check SERVER_URL" in result.stderr


def fake_usb(tmp_path, vendor, product, *, node_mode=0o660):
    """A sysfs listing with one USB device on bus 1 as device 5, and its node."""
    device = tmp_path / "sys" / "1-1"
    device.mkdir(parents=True)
    for name, value in {
        "idVendor": vendor,
        "idProduct": product,
        "busnum": "1",
        "devnum": "5",
    }.items():
        (device / name).write_text(value + "\n")
    node = tmp_path / "dev" / "001" / "005"
    node.parent.mkdir(parents=True)
    node.touch(mode=node_mode)
    return {
        "LUOT_CHECK_SYSFS_USB": str(tmp_path / "sys"),
        "LUOT_CHECK_DEV_USB": str(tmp_path / "dev"),
    }, node


def test_check_finds_a_plugged_usb_printer_and_its_node(live_server, tmp_path):
    environment, node = fake_usb(tmp_path, "04b8", "0202")
    result = run_check(live_server.base_url, "usb://04B8:0202", **environment)
    assert result.returncode == 0, result.stdout
    assert (
        result.stdout.splitlines()[1] == f"OK   printer usb://04B8:0202 plugged in, {node} writable"
    )


def test_check_fails_when_the_usb_printer_is_not_plugged_in(live_server, tmp_path):
    environment, _node = fake_usb(tmp_path, "0416", "5011")
    result = run_check(live_server.base_url, "usb://04b8:0202", **environment)
    assert result.returncode == 1
    assert result.stdout.splitlines()[1] == (
        "FAIL printer usb://04b8:0202: no USB device 04b8:0202 plugged in (see lsusb)"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any node")
def test_check_fails_when_the_usb_node_is_not_writable(live_server, tmp_path):
    environment, _node = fake_usb(tmp_path, "04b8", "0202", node_mode=0o440)
    result = run_check(live_server.base_url, "usb://04b8:0202", **environment)
    assert result.returncode == 1
    assert "is not writable by this user" in result.stdout.splitlines()[1]


def test_check_fails_on_a_missing_device_file(live_server, tmp_path):
    missing = tmp_path / "lp0"
    result = run_check(live_server.base_url, f"file://{missing}")
    assert result.returncode == 1
    assert (
        result.stdout.splitlines()[1] == f"FAIL printer file://{missing}: {missing} does not exist"
    )


# -- luot-screen ---------------------------------------------------------------------


def test_screen_starts_chromium_full_screen_on_the_page_kept_awake():
    result = run_screen("http://luot.local/display")
    assert result.returncode == 0, result.stderr
    command = result.stdout.split()
    browser = command.index("/usr/bin/chromium")
    flags = command[browser + 1 : -1]
    assert command[-1] == "http://luot.local/display"
    assert {
        "--kiosk",
        "--autoplay-policy=no-user-gesture-required",
        "--noerrdialogs",
        "--disable-session-crashed-bubble",
        "--disable-infobars",
        "--check-for-update-interval=31536000",
    } <= set(flags)
    assert any(flag.startswith("--disable-features=Translate") for flag in flags)
    if shutil.which("systemd-inhibit"):
        assert command[:2] == ["systemd-inhibit", "--what=idle:sleep"]


@pytest.mark.parametrize("arguments", [(), ("luot.local/display",)])
def test_screen_refuses_a_missing_or_bad_address(arguments):
    result = run_screen(*arguments)
    assert result.returncode == 2
    assert "luot-screen" in result.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_screen_script_is_shellcheck_clean():
    result = subprocess.run(["shellcheck", str(SCREEN)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_scripts_are_executable():
    assert os.access(SCREEN, os.X_OK) and os.access(CHECK, os.X_OK)


# -- units -----------------------------------------------------------------------------


def unit(path):
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


def test_user_unit_starts_the_script_and_restarts_it():
    service = unit(APPLIANCE / "luot-screen.service")
    program, *arguments = service["Service"]["ExecStart"].split()
    assert program == INSTALLED_SCREEN
    assert arguments == ["${LUOT_SCREEN_URL}"]
    assert service["Service"]["Restart"] == "always"
    assert service["Install"]["WantedBy"] == "graphical-session.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_user_unit_passes_systemd_analyze_verify(tmp_path):
    # verify insists the program exists: point it at the repository's script.
    text = (APPLIANCE / "luot-screen.service").read_text()
    assert INSTALLED_SCREEN in text
    copy = tmp_path / "luot-screen.service"
    copy.write_text(text.replace(INSTALLED_SCREEN, str(SCREEN)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_autostart_entry_keeps_the_screen_open():
    entry = unit(APPLIANCE / "luot-screen.desktop")["Desktop Entry"]
    assert entry["Type"] == "Application"
    program, option, url = entry["Exec"].split()
    assert (program, option) == (INSTALLED_SCREEN, "--keep-open")
    assert url.startswith("https://")


# -- the printer's udev rule ---------------------------------------------------------------

UDEV_PAIR = re.compile(
    r'^(?P<key>[A-Z_]+)(\{(?P<attribute>[A-Za-z_]+)\})?(?P<op>==|!=|\+=|:=|=)"(?P<value>[^"]*)"$'
)
MATCH_KEYS = {"SUBSYSTEM", "KERNEL", "ATTR", "ATTRS", "ENV"}
ASSIGN_KEYS = {"GROUP", "MODE", "SYMLINK", "OWNER", "TAG"}


def udev_rules():
    for number, line in enumerate((APPLIANCE / "60-luot-printer.rules").read_text().splitlines()):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number + 1, [pair.strip() for pair in line.split(",")]


def test_udev_rules_are_well_formed():
    rules = list(udev_rules())
    assert len(rules) >= 4
    for number, pairs in rules:
        parsed = [UDEV_PAIR.match(pair) for pair in pairs]
        assert all(parsed), (number, pairs)
        for found in parsed:
            assert found is not None
            if found["key"] in MATCH_KEYS:
                assert found["op"] in ("==", "!="), (number, found.group(0))
            else:
                assert found["key"] in ASSIGN_KEYS, (number, found.group(0))
                assert found["op"] in ("=", "+=", ":="), (number, found.group(0))
        values = {found["attribute"] or found["key"]: found["value"] for found in parsed if found}
        assert re.fullmatch(r"[0-9a-f]{4}", values["idVendor"]), number
        assert re.fullmatch(r"[0-9a-f]{4}", values["idProduct"]), number
        assert (values["GROUP"], values["MODE"]) == ("luot", "0660"), number


def test_udev_rules_give_each_printer_its_usb_device_and_its_node():
    devices = {}
    for _number, pairs in udev_rules():
        text = ",".join(pairs)
        ids = re.findall(r'idVendor}=="(\w+)".*idProduct}=="(\w+)"', text)[0]
        devices.setdefault(ids, set()).add(re.search(r'SUBSYSTEM=="(\w+)"', text).group(1))
    assert ("04b8", "0202") in devices and ("0416", "5011") in devices
    assert all(kinds == {"usb", "usbmisc"} for kinds in devices.values()), devices
