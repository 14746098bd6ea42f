"""The counter area's forms; Flask-WTF adds and checks their CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[InputRequired(), Length(max=80)])
    password = PasswordField(_l("Mật khẩu"), validators=[InputRequired(), Length(max=200)])
    #: Where to go after logging in; only a path of this site is followed.
    next = HiddenField()


class ChooseCounterForm(FlaskForm):
    #: Sent by the button of the chosen counter (``name="counter" value=ID``).
    counter = IntegerField(validators=[InputRequired()])
    #: Set by the confirmation page: take the counter from the clerk at it.
    take_over = HiddenField()


class LogoutForm(FlaskForm):
    """Nothing but the CSRF token: logging out is a change, so it is a POST."""


class CheckInForm(FlaskForm):
    """A booking code told by the citizen, checked in at the counter."""

    code = StringField(_l("Mã đặt lịch"), validators=[InputRequired(), Length(max=32)])
