"""QR codes shown on screens: a citizen's ticket page, a booking's code."""

from __future__ import annotations

import io

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

#: Dots per QR module on a screen: large enough for a phone held at arm's
#: length from a kiosk screen.
QR_MODULE_PIXELS = 8
QR_QUIET_ZONE_MODULES = 4


def qr_png(text: str) -> bytes:
    """``text`` as a QR code in a PNG, sharp at any size (no smoothing)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QR_QUIET_ZONE_MODULES)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    small = Image.new("1", (modules, modules), 1)
    small.putdata([0 if is_dark else 1 for row in matrix for is_dark in row])
    image = small.resize((modules * QR_MODULE_PIXELS,) * 2, Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
