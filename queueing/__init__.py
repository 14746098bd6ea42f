"""The queue itself: tables, rules, use cases, numbering and estimates.

Nothing in this package imports Flask: every entry point (kiosk, terminal,
API, CLI) goes through :mod:`queueing.operations` with a session and a ``now``.
"""
