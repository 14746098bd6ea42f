"""The administrator's forms. Flask-WTF adds and checks their CSRF token; the
messages are Vietnamese, English through the admin catalogue."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from queueing.accounts import MIN_PASSWORD_LENGTH
from queueing.models import ROLE_SUPERVISOR
from queueing.settings import CLOCK_PATTERN, CODE_PATTERN, NAME_MAX, TEXT_MAX, TICKER_MAX
from web.i18n import WEEKDAY_NAMES

REQUIRED = _l("Vui lòng điền mục này.")
#: Periods per weekday on the office form (morning and afternoon).
PERIODS = 2


def required() -> InputRequired:
    return InputRequired(message=REQUIRED)


def at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Tối đa %(max)d ký tự."))


def between(low: int, high: int) -> NumberRange:
    return NumberRange(min=low, max=high, message=_l("Nhập một số từ %(min)s đến %(max)s."))


class WholeNumberField(IntegerField):
    """An integer field whose parse error speaks the page's language."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Vui lòng nhập một số nguyên.")) from None


class ClockField(StringField):
    """A "HH:MM" time, rendered as a time input; empty means none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"type": "time"})
        super().__init__(*args, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if self.data and not CLOCK_PATTERN.match(self.data):
            raise ValidationError(_l("Giờ phải có dạng GG:PP, ví dụ 07:30."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


CODE = Regexp(CODE_PATTERN.pattern, message=_l("Mã chỉ gồm chữ không dấu, số, - và _."))


class OfficeCreateForm(FlaskForm):
    code = StringField(_l("Mã đơn vị"), validators=[required(), at_most(32), CODE])
    name = StringField(_l("Tên đơn vị"), validators=[required(), at_most(NAME_MAX)])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[at_most(NAME_MAX)])
    timezone = StringField(
        _l("Múi giờ"), default="Asia/Ho_Chi_Minh", validators=[required(), at_most(64)]
    )


class OfficeForm(FlaskForm):
    name = StringField(_l("Tên đơn vị"), validators=[required(), at_most(NAME_MAX)])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[at_most(NAME_MAX)])
    address = StringField(
        _l("Địa chỉ"),
        description=_l("Hiện trên lịch hẹn của người dân."),
        validators=[at_most(300)],
    )
    timezone = StringField(_l("Múi giờ"), validators=[required(), at_most(64)])
    holidays = TextAreaField(
        _l("Ngày nghỉ lễ"),
        description=_l("Mỗi dòng một ngày, dạng NNNN-TT-NN, ví dụ 2026-09-02."),
        validators=[at_most(TEXT_MAX)],
    )
    ticker_message = TextAreaField(
        _l("Dòng chữ chạy trên màn hình"), validators=[at_most(TICKER_MAX)]
    )
    priority_ratio = WholeNumberField(
        _l("Tỷ lệ ưu tiên"),
        description=_l("Gọi 1 số ưu tiên sau mỗi N số thường; 0: luôn gọi số ưu tiên trước."),
        validators=[InputRequired(message=REQUIRED), between(0, 20)],
    )
    recall_limit = WholeNumberField(
        _l("Số lần gọi lại trước khi được đánh vắng mặt"),
        validators=[InputRequired(message=REQUIRED), between(0, 10)],
    )
    no_show_return_minutes = WholeNumberField(
        _l("Thời gian cho phép quay lại sau khi vắng mặt (phút)"),
        validators=[InputRequired(message=REQUIRED), between(0, 480)],
    )
    is_transfer_to_head = BooleanField(_l("Số được chuyển lên đầu hàng chờ mới"))
    default_service_seconds = WholeNumberField(
        _l("Thời gian phục vụ mặc định để ước tính (giây)"),
        validators=[InputRequired(message=REQUIRED), between(30, 7200)],
    )
    pause_alert_minutes = WholeNumberField(
        _l("Cảnh báo khi quầy tạm dừng quá (phút)"),
        validators=[InputRequired(message=REQUIRED), between(1, 480)],
    )
    terminal_grace_minutes = WholeNumberField(
        _l("Tạm dừng quầy khi máy trạm mất kết nối quá (phút)"),
        description=_l(
            "Quầy chỉ được tính là đang phục vụ khi có cán bộ làm việc tại máy trạm; "
            "máy trạm im lặng quá thời gian này thì quầy được tạm dừng và giải phóng."
        ),
        validators=[InputRequired(message=REQUIRED), between(1, 120)],
    )
    is_issuing_without_counter = BooleanField(
        _l("Vẫn phát số khi chưa có quầy nào mở cho lĩnh vực"),
        description=_l(
            "Số được phát kèm thông báo chưa có quầy mở và không ước tính thời gian chờ; "
            "nếu không chọn, máy lấy số báo lĩnh vực chưa có quầy và không phát số."
        ),
    )
    booking_horizon_days = WholeNumberField(
        _l("Nhận đặt lịch trước tối đa (ngày)"),
        validators=[InputRequired(message=REQUIRED), between(0, 365)],
    )
    check_in_early_minutes = WholeNumberField(
        _l("Cho phép xác nhận đến sớm trước giờ hẹn (phút)"),
        validators=[InputRequired(message=REQUIRED), between(0, 240)],
    )
    check_in_late_minutes = WholeNumberField(
        _l("Cho phép xác nhận đến muộn sau giờ hẹn (phút)"),
        description=_l("Quá thời gian này, lịch hẹn được ghi là lỡ hẹn."),
        validators=[InputRequired(message=REQUIRED), between(0, 240)],
    )
    is_one_booking_per_phone = BooleanField(
        _l("Mỗi số điện thoại chỉ đặt một lịch hẹn cho mỗi lĩnh vực trong ngày")
    )
    service_starts_at = SelectField(
        _l("Thời gian phục vụ của số kết thúc mà chưa bấm Bắt đầu"),
        choices=[
            SelectChoice("call", _l("Tính từ lúc gọi số")),
            SelectChoice("start", _l("Không tính (chỉ tính từ lúc bấm Bắt đầu)")),
        ],
        validators=[InputRequired(message=REQUIRED)],
    )

    def opening_fields(self) -> list[tuple[Any, list[tuple[Field, Field]]]]:
        """(weekday label, [(start, end) per period]) for the template."""
        return [
            (
                WEEKDAY_NAMES[day],
                [
                    (self[f"day{day}_p{period}_start"], self[f"day{day}_p{period}_end"])
                    for period in range(1, PERIODS + 1)
                ],
            )
            for day in range(7)
        ]


for _day in range(7):
    for _period in range(1, PERIODS + 1):
        setattr(OfficeForm, f"day{_day}_p{_period}_start", ClockField(_l("Từ")))
        setattr(OfficeForm, f"day{_day}_p{_period}_end", ClockField(_l("Đến")))


class ServiceForm(FlaskForm):
    code = StringField(_l("Mã lĩnh vực"), validators=[required(), at_most(32), CODE])
    name = StringField(_l("Tên lĩnh vực"), validators=[required(), at_most(NAME_MAX)])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[at_most(NAME_MAX)])
    prefix = StringField(
        _l("Chữ đầu số"),
        description=_l("Ví dụ A cho số A012; để trống nếu chỉ dùng số."),
        validators=[
            at_most(8),
            Regexp(r"^[A-Za-z0-9]*$", message=_l("Chỉ gồm chữ cái A–Z và chữ số.")),
        ],
    )
    number_start = WholeNumberField(
        _l("Số bắt đầu"),
        default=1,
        validators=[InputRequired(message=REQUIRED), between(0, 999_999)],
    )
    number_end = WholeNumberField(
        _l("Số kết thúc"),
        default=999,
        validators=[InputRequired(message=REQUIRED), between(1, 999_999)],
    )
    is_number_wrapping = BooleanField(_l("Hết dãy số thì quay lại số bắt đầu"), default=True)
    daily_cap = WholeNumberField(
        _l("Số lượt tối đa mỗi ngày"),
        description=_l("Để trống nếu không giới hạn."),
        validators=[Optional(), between(1, 999_999)],
    )
    issue_from = ClockField(_l("Phát số từ"), validators=[Optional()])
    issue_until = ClockField(_l("Phát số đến"), validators=[Optional()])
    target_wait_minutes = WholeNumberField(
        _l("Thời gian chờ mục tiêu (phút)"),
        default=15,
        validators=[InputRequired(message=REQUIRED), between(1, 600)],
    )
    description = TextAreaField(_l("Mô tả"), validators=[at_most(TEXT_MAX)])
    description_en = TextAreaField(_l("Mô tả tiếng Anh"), validators=[at_most(TEXT_MAX)])
    documents = TextAreaField(
        _l("Giấy tờ cần chuẩn bị"),
        description=_l("Mỗi dòng một loại giấy tờ."),
        validators=[at_most(TEXT_MAX)],
    )
    documents_en = TextAreaField(
        _l("Giấy tờ cần chuẩn bị (tiếng Anh)"), validators=[at_most(TEXT_MAX)]
    )
    group_name = StringField(_l("Nhóm trên kiosk"), validators=[at_most(NAME_MAX)])
    group_name_en = StringField(_l("Nhóm trên kiosk (tiếng Anh)"), validators=[at_most(NAME_MAX)])
    sort_order = WholeNumberField(
        _l("Thứ tự hiển thị"), validators=[Optional(), between(-10_000, 10_000)]
    )
    is_active = BooleanField(_l("Đang cung cấp"), default=True)
    slot_minutes = WholeNumberField(
        _l("Độ dài mỗi khung giờ hẹn (phút)"),
        description=_l("0: lĩnh vực không nhận đặt lịch hẹn."),
        default=0,
        validators=[InputRequired(message=REQUIRED), between(0, 480)],
    )
    slot_capacity = WholeNumberField(
        _l("Số lịch hẹn tối đa mỗi khung giờ"),
        description=_l("Phần thời gian của các quầy dành cho người đặt lịch hẹn."),
        default=0,
        validators=[InputRequired(message=REQUIRED), between(0, 1000)],
    )

    def validate_number_end(self, field: Field) -> None:
        if (
            field.data is not None
            and self.number_start.data is not None
            and field.data <= self.number_start.data
        ):
            raise ValidationError(_l("Số kết thúc phải lớn hơn số bắt đầu."))

    def validate_issue_until(self, field: Field) -> None:
        if field.data and self.issue_from.data and field.data <= self.issue_from.data:
            raise ValidationError(_l("Giờ kết thúc phát số phải sau giờ bắt đầu."))


class CounterForm(FlaskForm):
    """Number and name; the services and their preference come as
    ``preference_<service id>`` selects, read by the view."""

    number = WholeNumberField(
        _l("Số quầy"), validators=[InputRequired(message=REQUIRED), between(1, 999)]
    )
    name = StringField(_l("Tên quầy"), validators=[at_most(NAME_MAX)])


ROLE_CHOICES = [
    SelectChoice("clerk", _l("Cán bộ một cửa")),
    SelectChoice("manager", _l("Quản lý")),
    SelectChoice("supervisor", _l("Giám sát nhiều đơn vị")),
    SelectChoice("admin", _l("Quản trị hệ thống")),
]
#: A token is never a supervisor's: a supervisor is a person who signs in.
TOKEN_ROLE_CHOICES = [choice for choice in ROLE_CHOICES if choice.value != ROLE_SUPERVISOR]
SUPERVISOR_TOKEN = _l(
    "Giám sát viên không dùng mã truy cập API: hãy tạo tài khoản đăng nhập cho họ (mục Người dùng)."
)
PASSWORD_HELP = _l("Ít nhất %(count)d ký tự.", count=MIN_PASSWORD_LENGTH)


def password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(
            _l("Mật khẩu"),
            description=PASSWORD_HELP,
            validators=[
                required(),
                Length(
                    min=MIN_PASSWORD_LENGTH,
                    max=200,
                    message=_l("Mật khẩu cần ít nhất %(min)d ký tự."),
                ),
            ],
        ),
        PasswordField(
            _l("Nhập lại mật khẩu"),
            validators=[required(), EqualTo("password", message=_l("Hai mật khẩu không khớp."))],
        ),
    )


class RoleField(SelectField):
    """The role of a user or a token, with its error in the page's language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "invalid_choice_message", _l("Vui lòng chọn một vai trò trong danh sách.")
        )
        super().__init__(*args, **kwargs)


class TokenRoleField(RoleField):
    """A token's role: a supervisor's is refused with the reason."""

    def pre_validate(self, form: Any) -> None:
        if self.data == ROLE_SUPERVISOR:
            raise ValidationError(SUPERVISOR_TOKEN)
        super().pre_validate(form)


def check_supervised(form: Any, field: Field) -> None:
    """A supervisor oversees one office at least (said once: a tick that is
    no office has its own error)."""
    if form.role.data == ROLE_SUPERVISOR and not field.data and not field.errors:
        raise ValidationError(_l("Hãy chọn ít nhất một đơn vị cho giám sát viên."))


OFFICES_HELP = _l("Chỉ cho vai trò giám sát: các đơn vị người này được xem và so sánh.")
OFFICE_HELP = _l("Giám sát viên không thuộc một đơn vị: hãy đánh dấu các đơn vị bên dưới.")


def offices_field() -> MultiCheckboxField:
    """The offices a supervisor oversees, ticked; the view gives the choices
    (office ids) and leaves the ticks aside for any other role."""
    return MultiCheckboxField(
        _l("Các đơn vị giám sát"),
        description=OFFICES_HELP,
        validators=[check_supervised],
        coerce=int,
        choices=[],
        invalid_value_message=_l("Không có đơn vị này."),
        invalid_choice_message=_l("Không có đơn vị này."),
    )


class UserCreateForm(FlaskForm):
    username = StringField(
        _l("Tên đăng nhập"),
        validators=[
            required(),
            at_most(80),
            Regexp(
                r"^[A-Za-z0-9._-]+$", message=_l("Chỉ gồm chữ không dấu, số, dấu chấm, - và _.")
            ),
        ],
    )
    display_name = StringField(_l("Họ và tên"), validators=[at_most(NAME_MAX)])
    role = RoleField(_l("Vai trò"), choices=ROLE_CHOICES, default="clerk")
    office = SelectField(_l("Đơn vị"), choices=[], description=OFFICE_HELP)
    offices = offices_field()
    password, confirm = password_fields()


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Họ và tên"), validators=[required(), at_most(NAME_MAX)])
    role = RoleField(_l("Vai trò"), choices=ROLE_CHOICES)
    office = SelectField(_l("Đơn vị"), choices=[], description=OFFICE_HELP)
    offices = offices_field()
    is_active = BooleanField(_l("Đang hoạt động"))


class PasswordForm(FlaskForm):
    password, confirm = password_fields()


class TokenForm(FlaskForm):
    name = StringField(
        _l("Tên (hệ thống hoặc thiết bị dùng mã)"), validators=[required(), at_most(NAME_MAX)]
    )
    role = TokenRoleField(_l("Vai trò"), choices=TOKEN_ROLE_CHOICES, default="clerk")
    office = SelectField(_l("Đơn vị"), choices=[])


class ConfirmForm(FlaskForm):
    """Nothing but the CSRF token, for buttons that change something."""


class KioskForm(FlaskForm):
    name = StringField(_l("Tên kiosk"), validators=[required(), at_most(NAME_MAX)])
    printer_url = StringField(
        _l("Địa chỉ máy in"),
        description=_l(
            "tcp://MÁY:CỔNG (máy in mạng), usb://HÃNG:SẢN_PHẨM, serial:///dev/ttyUSB0, "
            "file:///đường/dẫn hoặc none; để trống: máy in mặc định."
        ),
        validators=[at_most(300)],
    )
    paper_width_dots = SelectField(
        _l("Khổ giấy"),
        choices=[
            SelectChoice("576", _l("80 mm (576 điểm)")),
            SelectChoice("384", _l("58 mm (384 điểm)")),
        ],
        default="576",
    )
    is_active = BooleanField(_l("Đang hoạt động"), default=True)


LANGUAGE_CHOICES = [
    SelectChoice("vi", _l("Tiếng Việt")),
    SelectChoice("en", _l("Tiếng Anh")),
    SelectChoice("vi_en", _l("Tiếng Việt rồi tiếng Anh")),
]
#: The speech voice choice that means the recorded clips shipped with Luot.
BUNDLED_VOICE_CHOICE = SelectChoice("", _l("Giọng thu sẵn (mặc định)"))
READING_CHOICES = [
    SelectChoice("digits", _l("Đọc từng chữ số (một – không – hai – năm)")),
    SelectChoice("number", _l("Đọc thành số (một nghìn không trăm hai mươi lăm)")),
]


class DisplayForm(FlaskForm):
    name = StringField(_l("Tên màn hình"), validators=[required(), at_most(NAME_MAX)])
    counters = MultiCheckboxField(
        _l("Các quầy hiển thị"),
        description=_l("Không chọn quầy nào: hiển thị mọi quầy."),
        coerce=int,
        choices=[],
    )
    language = SelectField(_l("Ngôn ngữ đọc số"), choices=LANGUAGE_CHOICES, default="vi")
    is_voice_enabled = BooleanField(_l("Bật loa đọc số"), default=True)
    number_reading = SelectField(_l("Cách đọc số"), choices=READING_CHOICES, default="digits")
    #: Choices: the bundled clips, then the voices the display reported (set by the view).
    speech_voice = SelectField(
        _l("Giọng đọc"),
        description=_l(
            "Giọng có sẵn trên máy của màn hình (máy báo về khi đang chạy). "
            "Nếu máy không đọc được, màn hình dùng giọng thu sẵn."
        ),
        choices=[],
        default="",
    )
