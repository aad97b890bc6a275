"""Login hardening: growing delays instead of a lock a stranger can set, the same work for known and unknown
logins, length caps before any work, and counters that stay bounded."""
from __future__ import annotations

import pytest

import warehouse
from kpi.domain.workflow import Role
from kpi.services import accounts, admin
from kpi.services.accounts import LoginFailed, LoginThrottled, authenticate
from kpi.services.actors import Actor
from kpi.services.throttle import Throttle

ADMIN = Actor("admin", "管理者", frozenset({Role.ADMIN}))
WRONG = "ログインIDまたはパスワードが正しくありません"


class Clock:
    """A clock that moves only when told."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(accounts, "clock", c)
    return c


@pytest.fixture
def checks(monkeypatch):
    """Every password check authenticate makes, as (hash, password); the real argon2 check still answers."""
    seen: list[tuple[str, str]] = []
    real = accounts.check_password

    def recording(password_hash, password):
        seen.append((password_hash, password))
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "check_password", recording)
    return seen


@pytest.fixture
def fast_checks(monkeypatch):
    """A password check without argon2's cost, for tests of the counters only (right password: '<login>-pass')."""
    monkeypatch.setattr(accounts, "check_password", lambda h, p: p == "reviewer-pass" and h.startswith("$argon2"))


def _stored_hash(db, login):
    from warehouse import users

    with warehouse.connect(db) as con:
        return users.get_user(con, login)["password_hash"]


# ---- the throttle itself (its counters in a real warehouse) -------------------------------------------------

@pytest.fixture
def con(demo_db):
    import warehouse

    with warehouse.connect(demo_db) as c:
        yield c


def test_the_wait_grows_after_the_free_failures_and_is_capped():
    t = Throttle("t", free=3, base_s=1, cap_s=30, forget_s=3600, size=10)
    assert [t.delay_after(n) for n in range(1, 11)] == [0, 0, 0, 1, 2, 4, 8, 16, 30, 30]


def test_a_key_may_try_again_once_its_wait_has_passed_and_is_forgotten_after_a_quiet_hour(con):
    t = Throttle("t", free=1, base_s=2, cap_s=60, forget_s=3600, size=10)
    t.fail(con, "k", 0.0)
    assert t.wait_s(con, "k", 0.0) == 0
    t.fail(con, "k", 0.0)
    assert t.wait_s(con, "k", 0.5) == 1.5 and t.wait_s(con, "k", 2.0) == 0
    t.fail(con, "k", 2.0)
    assert t.wait_s(con, "k", 2.0) == 4
    assert t.wait_s(con, "k", 2.0 + 3601) == 0
    t.fail(con, "k", 2.0 + 3601)  # after a quiet hour the count starts again: one failure, no wait
    assert t.wait_s(con, "k", 2.0 + 3601) == 0 and t.count(con) == 1


def test_a_new_account_version_starts_the_key_afresh(con):
    t = Throttle("t", free=0, base_s=10, cap_s=60, forget_s=3600, size=10)
    t.fail(con, "k", 0.0, version=3)
    assert t.wait_s(con, "k", 0.0, version=3) == 10
    assert t.wait_s(con, "k", 0.0, version=4) == 0  # the password was reset (or the account changed)
    t.fail(con, "k", 0.0, version=4)
    assert t.wait_s(con, "k", 0.0, version=4) == 10  # counted afresh under the new version: one failure


def test_the_counters_keep_at_most_their_size_forgetting_the_least_recently_failed(con):
    t = Throttle("t", free=0, base_s=1, cap_s=60, forget_s=3600, size=20)
    other = Throttle("other", free=0, base_s=1, cap_s=60, forget_s=3600, size=20)
    other.fail(con, "keep", 0.0)
    t.fail(con, "keep", 0.0)
    for i in range(100):
        t.fail(con, f"stranger-{i}", 1.0 + i)
        if i % 5 == 0:
            t.fail(con, "keep", 1.0 + i)  # failing again keeps a key recent
    assert t.count(con) == 20
    assert t.wait_s(con, "keep", 100.0) > 0 and t.wait_s(con, "stranger-0", 1.0) == 0
    assert other.count(con) == 1  # each counter has its own keys


def test_the_login_counters_are_bounded():
    assert accounts.BY_LOGIN.size == accounts.BY_SOURCE_AND_LOGIN.size == accounts.THROTTLE_SIZE <= 10_000
    assert accounts.BY_LOGIN.name != accounts.BY_SOURCE_AND_LOGIN.name


# ---- authenticate ---------------------------------------------------------------------------------------------

def test_an_unknown_login_is_checked_against_a_dummy_hash_like_a_known_one(demo_db, clock, checks):
    with pytest.raises(LoginFailed, match=WRONG):
        authenticate("no-such-person", "some-password", db=demo_db)
    with pytest.raises(LoginFailed, match=WRONG):
        authenticate("reviewer", "some-password", db=demo_db)
    assert checks == [(accounts.dummy_hash(), "some-password"), (_stored_hash(demo_db, "reviewer"), "some-password")]
    assert accounts.dummy_hash().startswith("$argon2id$")


def test_a_disabled_account_costs_a_check_and_answers_like_a_wrong_password(demo_db, clock, checks):
    admin.update_account(ADMIN, "executive", roles=["executive"], departments=[], active=False, db=demo_db)
    with pytest.raises(LoginFailed, match=WRONG) as refused:
        authenticate("executive", "executive-pass", db=demo_db)
    assert type(refused.value) is LoginFailed
    assert checks == [(_stored_hash(demo_db, "executive"), "executive-pass")]


@pytest.mark.parametrize(("login", "password"), [
    ("x" * (accounts.MAX_LOGIN_CHARS + 1), "pw"),
    ("x" * 16_000_000, "pw"),
    ("reviewer", "p" * (accounts.MAX_PASSWORD_CHARS + 1)),
], ids=["65 chars", "16 MB", "long password"])
def test_an_over_long_login_or_password_is_refused_before_any_work(demo_db, clock, checks, monkeypatch,
                                                                    login, password):
    def no_warehouse(*args, **kwargs):
        raise AssertionError("the warehouse was read")

    monkeypatch.setattr(accounts.warehouse, "connect", no_warehouse)
    with pytest.raises(LoginFailed, match=WRONG):
        authenticate(login, password, db=demo_db)
    assert checks == []


def test_a_stranger_slows_a_login_down_but_never_locks_its_owner_out(demo_db, clock, fast_checks):
    """A stranger fails as fast as allowed, for hours; the owner, from another source, waits at most 30 s."""
    version = authenticate("reviewer", "reviewer-pass", db=demo_db).version
    for _ in range(200):
        try:
            authenticate("reviewer", "guess", db=demo_db, source="203.0.113.9")
        except LoginThrottled:
            pass
        except LoginFailed:
            clock.now += 0.001  # the stranger retries at once
        with warehouse.connect(demo_db) as con:
            clock.now += max(accounts.BY_SOURCE_AND_LOGIN.wait_s(con, "203.0.113.9\nreviewer", clock.now, version),
                             accounts.BY_LOGIN.wait_s(con, "reviewer", clock.now, version))
    with pytest.raises(LoginFailed, match=WRONG):
        authenticate("reviewer", "guess", db=demo_db, source="203.0.113.9")
    with pytest.raises(LoginThrottled, match="300秒"):  # the stranger: five minutes a try
        authenticate("reviewer", "guess", db=demo_db, source="203.0.113.9")
    with warehouse.connect(demo_db) as con:
        wait = accounts.BY_LOGIN.wait_s(con, "reviewer", clock.now, version)
    assert 0 < wait <= accounts.BY_LOGIN.cap_s == 30
    clock.now += wait
    assert authenticate("reviewer", "reviewer-pass", db=demo_db, source="198.51.100.7").login == "reviewer"


def test_one_source_is_slowed_before_the_login_is(demo_db, clock, fast_checks):
    for _ in range(accounts.BY_SOURCE_AND_LOGIN.free + 1):
        with pytest.raises(LoginFailed, match=WRONG):
            authenticate("reviewer", "guess", db=demo_db, source="203.0.113.9")
    with pytest.raises(LoginThrottled):
        authenticate("reviewer", "reviewer-pass", db=demo_db, source="203.0.113.9")
    assert authenticate("reviewer", "reviewer-pass", db=demo_db, source="198.51.100.7").login == "reviewer"


def test_unknown_and_known_logins_are_slowed_alike(demo_db, clock, fast_checks):
    answers = {}
    for login in ("reviewer", "no-such-person"):
        seen = []
        for _ in range(accounts.BY_SOURCE_AND_LOGIN.free + 2):
            try:
                authenticate(login, "guess", db=demo_db)
            except LoginFailed as exc:
                seen.append(str(exc))
        answers[login] = seen
    assert answers["reviewer"] == answers["no-such-person"]
    assert answers["reviewer"][-1].endswith("秒待ってから再度お試しください")


def test_a_password_reset_clears_the_throttle_of_that_login(demo_db, clock):
    for _ in range(accounts.BY_SOURCE_AND_LOGIN.free + 1):
        with pytest.raises(LoginFailed, match=WRONG):
            authenticate("editor1", "guess", db=demo_db)
    with pytest.raises(LoginThrottled):
        authenticate("editor1", "editor1-pass", db=demo_db)
    admin.reset_password(ADMIN, "editor1", "a-brand-new-password", db=demo_db)
    assert authenticate("editor1", "a-brand-new-password", db=demo_db).login == "editor1"


def test_a_success_forgets_the_failures(demo_db, clock, fast_checks):
    for _ in range(accounts.BY_SOURCE_AND_LOGIN.free):
        with pytest.raises(LoginFailed):
            authenticate("reviewer", "guess", db=demo_db)
    with warehouse.connect(demo_db) as con:
        assert accounts.BY_LOGIN.count(con) == accounts.BY_SOURCE_AND_LOGIN.count(con) == 1  # the key counted
    authenticate("reviewer", "reviewer-pass", db=demo_db)
    with warehouse.connect(demo_db) as con:
        assert accounts.BY_LOGIN.count(con) == 0 and accounts.BY_SOURCE_AND_LOGIN.count(con) == 0
