"""The booking pages' forms; Flask-WTF adds and checks their CSRF token.

The values are checked by the booking use case (queueing.appointments),
as they are when they come through the API; the forms only carry them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length


class BookingForm(FlaskForm):
    office = HiddenField()
    service = HiddenField()
    #: The day shown, to show it again when the booking is refused.
    day = HiddenField()
    #: The chosen slot's start (ISO 8601 with its offset), from a radio button.
    start = StringField()
    name = StringField(_l("Họ và tên (không bắt buộc)"), validators=[Length(max=100)])
    phone = StringField(_l("Số điện thoại (không bắt buộc)"), validators=[Length(max=32)])


class CancelForm(FlaskForm):
    """Nothing but the CSRF token: cancelling is a change, so it is a POST."""
