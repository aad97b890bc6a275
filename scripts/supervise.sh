#!/usr/bin/env bash
# Run a command, and run it again whenever it dies: waits 1 s, doubling up to 60 s between quick deaths (back to
# 1 s after a run of 5 minutes). SIGTERM or SIGINT stop it: the command gets SIGTERM, then SIGKILL if it has not
# exited after KPI_STOP_GRACE_S (default 30) seconds, so stopping never hangs. Used by scripts/run.sh for
# `python -m flows.serve`; usage: bash scripts/supervise.sh COMMAND [ARGS...]
set -u
first_delay=${KPI_RESTART_DELAY_S:-1}
max_delay=${KPI_RESTART_MAX_DELAY_S:-60}
grace=${KPI_STOP_GRACE_S:-30}
child=""
stopping=""

stop() {
  stopping=1
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    ( sleep "$grace"; kill -KILL "$child" 2>/dev/null ) &
    killer=$!
    while kill -0 "$child" 2>/dev/null; do wait "$child" 2>/dev/null; done
    kill "$killer" 2>/dev/null
  fi
  exit 0
}
trap stop TERM INT

delay=$first_delay
while :; do
  started=$SECONDS
  "$@" &
  child=$!
  wait "$child"
  rc=$?
  [ -n "$stopping" ] && exit 0
  if [ $((SECONDS - started)) -ge 300 ]; then delay=$first_delay; fi
  echo "$(date '+%F %T') $(basename "$1") が終了しました（終了コード $rc）。${delay}秒後に再起動します" >&2
  sleep "$delay" &
  child=$!
  wait "$child"
  delay=$((delay * 2))
  [ "$delay" -gt "$max_delay" ] && delay=$max_delay
  [ "$delay" -lt 1 ] && delay=1
done
