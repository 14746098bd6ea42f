"""The public API, version 1."""

# The booking views register themselves on the API's blueprint.
from . import appointments as appointments
