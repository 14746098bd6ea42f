"""The counter area: the clerk's terminal, the counter's screen and rating tablet."""

# Today's bookings register their pages on the counter's blueprint.
from . import bookings as bookings
