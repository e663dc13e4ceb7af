"""Webhook signatures: valid, tampered, stale, rotated."""

from __future__ import annotations

from mercato.kernel.signatures import signature_header, verify

BODY = b'{"tracking_number":"1Z","event":"delivered"}'


def test_fresh_signature_verifies() -> None:
    header = signature_header(["s3cret"], 1_000_000, BODY)
    assert verify("s3cret", header, BODY, now=1_000_100)


def test_tampered_body_wrong_secret_and_stale_timestamp_fail() -> None:
    header = signature_header(["s3cret"], 1_000_000, BODY)
    assert not verify("s3cret", header, BODY + b" ", now=1_000_000)
    assert not verify("other", header, BODY, now=1_000_000)
    assert not verify("s3cret", header, BODY, now=1_000_301)
    assert not verify("s3cret", "garbage", BODY, now=1_000_000)
    assert not verify("s3cret", "t=abc,v1=00", BODY, now=1_000_000)


def test_either_secret_verifies_during_rotation_overlap() -> None:
    header = signature_header(["old", "new"], 1_000_000, BODY)
    assert verify("old", header, BODY, now=1_000_000)
    assert verify("new", header, BODY, now=1_000_000)
