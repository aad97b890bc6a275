#!/usr/bin/env bash
# Make sure Debian's Chromium and the Japanese fonts are there for the browser tests (never downloads a browser
# build of its own: Playwright drives /usr/bin/chromium-headless-shell in the tests and /usr/bin/chromium in
# bench/page_bench.py), and poppler-utils' pdftotext, with which the tests read
# the published PDF's text back.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromium-headless-shell ] || need+=(chromium-headless-shell)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1 || need+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ブラウザテスト用に ${need[*]} をインストールしています…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq && sudo apt-get install -y -qq "${need[@]}"
else
  echo "ブラウザテストには ${need[*]} が必要です: apt-get install ${need[*]}" >&2
  exit 1
fi
