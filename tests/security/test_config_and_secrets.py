"""Platform settings and secrets: what Streamlit actually serves from the project's config, passwords as argon2
hashes, logins rate-limited, nothing secret in the repository."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import warehouse
from kpi.io.workbook import MAX_UPLOAD_BYTES
from kpi.services import accounts, admin
from kpi.services.accounts import LoginFailed, authenticate
from kpi.services.actors import Actor
from kpi.domain.workflow import Role

ROOT = Path(__file__).resolve().parents[2]

_EFFECTIVE = """
import json
from streamlit import config
config.get_config_options(force_reparse=True)
from streamlit.proto.NewSession_pb2 import Config
from streamlit.runtime.app_session import _populate_config_msg
msg = Config()
_populate_config_msg(msg)  # what every browser session receives in its NewSession message
print(json.dumps({"xsrf": config.get_option("server.enableXsrfProtection"),
                  "cors": config.get_option("server.enableCORS"),
                  "max_upload_mb": config.get_option("server.maxUploadSize"),
                  "disable_data_export": msg.disable_data_export,
                  "toolbar_mode": msg.toolbar_mode,
                  "file_watcher": config.get_option("server.fileWatcherType"),
                  "post_script_gc": config.get_option("runner.postScriptGC")}))
"""


@pytest.fixture(scope="module")
def effective():
    """The options Streamlit resolves from the project's .streamlit/config.toml (read in a fresh process)."""
    out = subprocess.run([sys.executable, "-c", _EFFECTIVE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT / ".no-home")})
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_xsrf_protection_stays_on(effective):
    assert effective["xsrf"] is True
    assert tomllib.loads((ROOT / ".streamlit/config.toml").read_text())["server"]["enableXsrfProtection"] is True


def test_the_dataframe_toolbar_download_is_off_for_every_session(effective):
    """client.disableDataExport hides the CSV download (and copy) of st.dataframe / st.data_editor everywhere;
    people download through the sanitized exports instead."""
    assert effective["disable_data_export"] is True


def test_a_script_run_neither_watches_source_files_nor_forces_a_full_garbage_collection(effective):
    """Both cost the server CPU on every click (py-spy over a browser walk: about half of the app process's CPU);
    a deployment does not edit its code under a running server, and Python's collector still runs by itself."""
    assert effective["file_watcher"] == "none"
    assert effective["post_script_gc"] is False


def test_uploads_are_capped_at_the_readers_limit(effective):
    assert effective["max_upload_mb"] * 1024 * 1024 == MAX_UPLOAD_BYTES


def test_demo_passwords_are_stored_as_argon2id_hashes(demo_db):
    hasher = PasswordHasher()
    with warehouse.connect(demo_db) as con:
        rows = con.execute("SELECT login, password_hash FROM users").fetchall()
    assert len(rows) >= 5
    for login, hashed in rows:
        assert hashed.startswith("$argon2id$"), login
        assert "pass" not in hashed
    stored = dict(rows)
    assert hasher.verify(stored["editor1"], "editor1-pass")


def test_a_new_account_and_a_reset_password_are_argon2id(demo_db):
    admin_actor = Actor("admin", "管理者", frozenset({Role.ADMIN}), frozenset())
    admin.create_account(admin_actor, "sec-user", "試験", "correct horse battery", ["executive"], [], db=demo_db)
    with warehouse.connect(demo_db) as con:
        (hashed,) = con.execute("SELECT password_hash FROM users WHERE login = 'sec-user'").fetchone()
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert authenticate("sec-user", "correct horse battery", db=demo_db).login == "sec-user"


def test_wrong_passwords_slow_the_login_even_for_an_unknown_id(demo_db, monkeypatch):
    """Failures slow the ID down (known or not, so the wait does not reveal which IDs exist)."""
    monkeypatch.setattr(accounts, "clock", lambda: 1000.0)  # time stands still: the wait never runs out here
    for login in ("no-such-person", "reviewer"):
        for _ in range(accounts.BY_SOURCE_AND_LOGIN.free + 1):
            with pytest.raises(LoginFailed, match="正しくありません"):
                authenticate(login, "guess", db=demo_db)
        with pytest.raises(accounts.LoginThrottled, match="秒待ってから再度お試しください"):
            authenticate(login, "reviewer-pass", db=demo_db)  # slowed: even the right password waits
    assert authenticate("executive", "executive-pass", db=demo_db).login == "executive"  # others are unaffected


# ---------------------------------------------------------------------------------------------------------
# nothing secret committed

_DEMO_PASSWORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*-pass")  # README: <login>-pass, demo accounts only
_SECRET_ASSIGNMENT = re.compile(
    r"""(?i)\b(password|passwd|pwd|secret|client_secret|cookie_secret|token|api_key|apikey|private_key)\b["']?\s*[:=]\s*["']([^"'\s]{4,})["']""")
_PRIVATE_KEY = re.compile("-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?" + "PRIVATE KEY-----")
_PLACEHOLDERS = {"...", "a long random string"}


def _tracked() -> list[str]:
    return subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()


def test_no_secret_file_is_committed_and_the_example_is():
    files = _tracked()
    assert ".streamlit/secrets.toml.example" in files
    assert ".streamlit/secrets.toml" not in files
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text().split()
    bad = [f for f in files if re.search(r"(^|/)(\.env|id_rsa|id_ed25519)$|\.(pem|key|p12|pfx)$", f)]
    assert bad == []
    example = tomllib.loads((ROOT / ".streamlit/secrets.toml.example").read_text())
    assert {example["auth"]["client_secret"], example["auth"]["cookie_secret"]} <= _PLACEHOLDERS


def test_no_private_key_or_password_literal_outside_the_demo_passwords():
    found = []
    for name in _tracked():
        path = ROOT / name
        if name.startswith("tests/") or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if _PRIVATE_KEY.search(text):
            found.append(f"{name}: private key")
        if "$argon2" in text and name != "README.md":
            found.append(f"{name}: a password hash")
        for m in _SECRET_ASSIGNMENT.finditer(text):
            value = m.group(2)
            if not (_DEMO_PASSWORD.fullmatch(value) or value in _PLACEHOLDERS):
                found.append(f"{name}: {m.group(0)[:60]}")
    assert found == []


def test_the_secret_scan_would_notice_a_committed_secret():
    assert _SECRET_ASSIGNMENT.search('client_secret = "s3cr3t-value-123"')
    assert _SECRET_ASSIGNMENT.search("PASSWORD: 'hunter22'")
    assert _PRIVATE_KEY.search("-----BEGIN RSA " + "PRIVATE KEY-----\nMII…")
    assert _DEMO_PASSWORD.fullmatch("editor-joho-pass") and not _DEMO_PASSWORD.fullmatch("hunter22")
