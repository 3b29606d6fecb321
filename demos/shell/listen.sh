#!/usr/bin/env bash
# listen.sh [LISTEN_PORT [SECONDS]]: subscribe to the engine's feedback and print it with
# oscdump, one message a line (/engine/beat, /engine/scene, /engine/stinger, /engine/levels),
# for SECONDS or until Ctrl-C; then unsubscribe. LISTEN_PORT defaults to 9001. The subscription
# is renewed every 3 seconds: the engine ends subscriptions not renewed within 10 (docs/osc.md).
#   SOUNDSCAPE_HOST (default 127.0.0.1) and SOUNDSCAPE_PORT (default 9000) say where the engine is.
set -euo pipefail
export LC_ALL=C
if [ $# -gt 2 ]; then
    echo "usage: $(basename "$0") [LISTEN_PORT [SECONDS]]" >&2
    exit 2
fi
listen=${1:-9001} seconds=${2:-}
host=${SOUNDSCAPE_HOST:-127.0.0.1} port=${SOUNDSCAPE_PORT:-9000}
oscdump -L "$listen" &
dump=$!
renewer=""
unsubscribe() {
    [ -z "$renewer" ] || kill "$renewer" 2>/dev/null || true
    oscsend "$host" "$port" /engine/unsubscribe i "$listen" || true
    kill "$dump" 2>/dev/null || true
}
trap unsubscribe EXIT
sleep 0.2  # let oscdump bind first, so that the engine's first reply is not lost
(  # subscribe, then renew; a TERM ends the nap at once
    trap 'kill "$nap" 2>/dev/null; wait "$nap" 2>/dev/null; exit 0' TERM
    while true; do
        oscsend "$host" "$port" /engine/subscribe i "$listen" || true
        sleep 3 &
        nap=$!
        wait "$nap"
    done
) &
renewer=$!
if [ -n "$seconds" ]; then
    sleep "$seconds" &  # in the background, so that a signal stops the wait at once
    wait $!
else
    wait "$dump"
fi
