"""The citizen's booking pages: booking a slot ahead, and the booking's page."""
