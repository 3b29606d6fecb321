#!/usr/bin/env bash
# event.sh NAME [INTENSITY]: fire a game event (forest.yaml: discovery), intensity 0..1
# (default 1); the score's stinger for it plays on the next beat.
#   SOUNDSCAPE_HOST (default 127.0.0.1) and SOUNDSCAPE_PORT (default 9000) say where the engine is.
set -euo pipefail
export LC_ALL=C
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $(basename "$0") NAME [INTENSITY]   (e.g. discovery 0.7)" >&2
    exit 2
fi
exec oscsend "${SOUNDSCAPE_HOST:-127.0.0.1}" "${SOUNDSCAPE_PORT:-9000}" /event sf "$1" "${2:-1.0}"
