"""The booking pages' English catalogue is complete and compiled."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

FOLDER = Path(__file__).resolve().parents[2] / "book" / "translations"


def key(message_id):
    """A plural's ids come as a tuple from a .po and a list from a .mo."""
    return tuple(message_id) if isinstance(message_id, list | tuple) else message_id


def test_every_text_of_the_booking_pages_has_its_english():
    with (FOLDER / "messages.pot").open("rb") as template:
        wanted = {key(message.id) for message in read_po(template) if message.id}
    with (FOLDER / "en" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source)
    translated = {
        key(message.id)
        for message in catalog
        if message.id
        and "fuzzy" not in message.flags
        and all(message.string if isinstance(message.string, tuple) else [message.string])
    }
    assert wanted - translated == set()
    with (FOLDER / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as compiled:
        assert {key(message.id) for message in read_mo(compiled) if message.id} >= wanted
