#!/usr/bin/env bash
# stats.sh LISTEN_PORT: ask the engine for its counters; the /engine/stats reply goes to
# LISTEN_PORT (run listen.sh LISTEN_PORT, or oscdump LISTEN_PORT, to see it): received, accepted,
# dropped, xruns, buffers, errors, ...
#   SOUNDSCAPE_HOST (default 127.0.0.1) and SOUNDSCAPE_PORT (default 9000) say where the engine is.
set -euo pipefail
export LC_ALL=C
if [ $# -ne 1 ]; then
    echo "usage: $(basename "$0") LISTEN_PORT   (e.g. 9001, where listen.sh prints replies)" >&2
    exit 2
fi
exec oscsend "${SOUNDSCAPE_HOST:-127.0.0.1}" "${SOUNDSCAPE_PORT:-9000}" /engine/stats i "$1"
