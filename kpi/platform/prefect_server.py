"""Checks the local Prefect server's health: `python -m kpi.platform.prefect_server check|wait`."""
from __future__ import annotations

import argparse
import base64
import os
import sys
import time
import urllib.error
import urllib.request


def api_url() -> str:
    """The Prefect API URL this process points at."""
    return os.environ.get("PREFECT_API_URL", "http://127.0.0.1:4200/api").rstrip("/")


def healthy(url: str | None = None, timeout: float = 2.0) -> bool:
    """True when the server answers its health endpoint."""
    request = urllib.request.Request(f"{url or api_url()}/health")
    auth = os.environ.get("PREFECT_API_AUTH_STRING")
    if auth:  # the server asks for basic authentication when scripts/run.sh set a secret
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_healthy(url: str | None = None, timeout: float = 120.0) -> bool:
    """Poll until healthy or timeout; return whether it came up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(url):
            return True
        time.sleep(0.5)
    return False


def main(argv: list[str] | None = None) -> int:
    """CLI: `check` exits 0 when healthy; `wait` polls until healthy or fails with a message."""
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("check", "wait"))
    p.add_argument("--timeout", type=float, default=120.0)
    args = p.parse_args(argv)
    if args.mode == "check":
        return 0 if healthy() else 1
    if wait_healthy(timeout=args.timeout):
        print(f"Prefect サーバー起動完了: {api_url()}")
        return 0
    print(f"Prefect サーバーが {args.timeout:.0f} 秒以内に起動しませんでした（data/logs/prefect.log を確認してください）",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
