"""Unit tests of pure logic: secret box, snapshots, lifecycle, field parsing."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
import pytest

from api.fields import IPAddress, Text
from inventory.choices import Lifecycle, SnmpVersion
from inventory.models import SnmpCredential
from inventory.models.base import lifecycle_of
from inventory.secretbox import SecretBox, SecretBoxError
from inventory.services.common import snapshot


def test_secret_box_round_trip_and_rotation() -> None:
    old, new = SecretBox.generate_key(), SecretBox.generate_key()
    token = SecretBox([old]).encrypt("community-☃")
    assert "community" not in token
    rotated = SecretBox([new, old])
    assert rotated.decrypt(token) == "community-☃"
    assert SecretBox([new]).decrypt(rotated.encrypt("x")) == "x"
    with pytest.raises(SecretBoxError, match="does not decrypt"):
        SecretBox([new]).decrypt(token)


@pytest.mark.parametrize("keys", [[], ["not-a-key"], ["é" * 44]])
def test_secret_box_refuses_bad_keys(keys: list[str]) -> None:
    with pytest.raises(SecretBoxError):
        SecretBox(keys)


def test_secret_box_repr_hides_keys() -> None:
    key = SecretBox.generate_key()
    assert key not in repr(SecretBox([key]))


def test_snapshot_masks_secret_columns() -> None:
    credential = SnmpCredential(
        id=1, name="v2c", version=SnmpVersion.V2C, community_enc="gAAAA-ciphertext"
    )
    shot = snapshot(credential)
    assert shot["community"] == "***"
    assert shot["auth_key"] is None
    assert "community_enc" not in shot
    assert "gAAAA-ciphertext" not in str(shot)
    assert shot["version"] == "v2c"


@pytest.mark.parametrize(
    ("start", "end", "today", "expected"),
    [
        (None, None, date(2025, 1, 1), Lifecycle.ACTIVE),
        (date(2025, 1, 1), None, date(2025, 1, 1), Lifecycle.ACTIVE),  # from its first day
        (date(2025, 1, 2), None, date(2025, 1, 1), Lifecycle.PLANNED),
        (date(2020, 1, 1), date(2025, 1, 1), date(2025, 1, 1), Lifecycle.CLOSED),  # end exclusive
        (date(2020, 1, 1), date(2025, 1, 2), date(2025, 1, 1), Lifecycle.ACTIVE),
        (date(2030, 1, 1), date(2024, 1, 1), date(2025, 1, 1), Lifecycle.CLOSED),
    ],
)
def test_lifecycle_of_interval(
    start: date | None, end: date | None, today: date, expected: Lifecycle
) -> None:
    assert lifecycle_of(start, end, today) is expected


class _Form(ma.Schema):
    name = Text(8, required=True)
    note = Text(8, allow_none=True, validate=ma.validate.Regexp("^[a-z]+$"))
    address = IPAddress(allow_none=True)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name": "  a b  "}, {"name": "a b"}),
        ({"name": "x", "note": "   "}, {"name": "x", "note": None}),  # blank skips the regexp
        ({"name": "x", "address": " 10.0.0.1 "}, {"name": "x", "address": "10.0.0.1"}),
        ({"name": "x", "address": "2001:DB8:0:0::1"}, {"name": "x", "address": "2001:db8::1"}),
    ],
)
def test_text_fields_trim_and_canonicalise(data: dict[str, str], expected: dict[str, str]) -> None:
    assert _Form().load(data) == expected


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "must not be blank"),
        ({"name": "123456789"}, "name", "at most 8"),
        ({"name": "a\x07b"}, "name", "control characters"),
        ({"name": 5}, "name", "Not a valid string"),
        ({"name": "x", "address": "10.0.0.256"}, "address", "IPv4 or IPv6"),
        ({"name": "x", "address": "host.example"}, "address", "IPv4 or IPv6"),
    ],
)
def test_text_fields_reject_with_a_message(
    data: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ma.ValidationError) as info:
        _Form().load(data)
    assert message in " ".join(info.value.messages_dict[field])
