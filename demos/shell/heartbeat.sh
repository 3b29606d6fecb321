#!/usr/bin/env bash
# heartbeat.sh [FROM [TO [SECONDS]]]: ramp the heart rate from FROM to TO BPM over SECONDS,
# four updates a second, as a pulse sensor would (default: 60 to 140 over 20 s).
#   SOUNDSCAPE_HOST (default 127.0.0.1) and SOUNDSCAPE_PORT (default 9000) say where the engine is.
set -euo pipefail
export LC_ALL=C
if [ $# -gt 3 ]; then
    echo "usage: $(basename "$0") [FROM [TO [SECONDS]]]   (default: 60 140 20)" >&2
    exit 2
fi
from=${1:-60} to=${2:-140} seconds=${3:-20}
host=${SOUNDSCAPE_HOST:-127.0.0.1} port=${SOUNDSCAPE_PORT:-9000}
steps=$(awk -v s="$seconds" 'BEGIN { n = int(s * 4); print (n < 1 ? 1 : n) }')
for ((i = 0; i <= steps; i++)); do
    rate=$(awk -v a="$from" -v b="$to" -v i="$i" -v n="$steps" \
        'BEGIN { printf "%.2f", a + (b - a) * i / n }')
    oscsend "$host" "$port" /state/heartrate f "$rate"
    echo "heartrate $rate"
    if ((i < steps)); then sleep 0.25; fi
done
