"""Sessions and the genuine-arrival rule (DECISIONS 8): leavers stop earning, bounces continue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from economy_presence.accrual import accrue, to_milli
from economy_presence.sessions import SessionBook

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def book() -> SessionBook:
    return SessionBook(debounce=timedelta(minutes=5))


def test_first_join_is_genuine() -> None:
    a = book().join("Alice", T0)
    assert a.genuine and a.absent_for is None and a.key == "alice"


def test_leave_stops_earning_at_once() -> None:
    b = book()
    b.join("Alice", T0)
    b.leave("alice", T0 + timedelta(seconds=5))
    assert "alice" not in b.present()


def test_rejoin_inside_debounce_is_a_bounce_outside_is_genuine() -> None:
    b = book()
    b.join("Alice", T0)
    b.leave("Alice", T0 + timedelta(minutes=1))
    bounce = b.join("ALICE", T0 + timedelta(minutes=3))
    assert not bounce.genuine and "alice" in b.present()
    b.leave("Alice", T0 + timedelta(minutes=4))
    back = b.join("Alice", T0 + timedelta(minutes=9, seconds=1))
    assert back.genuine and back.absent_for == timedelta(minutes=5, seconds=1)


def test_duplicate_adduser_continues_session() -> None:
    b = book()
    b.join("Alice", T0)
    again = b.join("alice", T0 + timedelta(minutes=30))
    assert again.continued and not again.genuine
    assert b.present()["alice"].started == T0


def test_afk_flag() -> None:
    b = book()
    b.join("Alice", T0)
    assert b.set_afk("ALICE", True) and b.present()["alice"].afk
    assert not b.set_afk("nobody", True)


def test_exact_fractional_accrual() -> None:
    rate = to_milli(1.5)
    carry, paid = 0, 0
    for _ in range(4):
        whole, carry = accrue(carry, rate)
        paid += whole
    assert (paid, carry) == (6, 0)
    assert to_milli(0.1) == 100 and to_milli(1) == 1000
