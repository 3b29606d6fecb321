#!/usr/bin/env bash
# tempo.sh BPM: override the score's tempo; tempo.sh 0 hands it back to the score.
#   SOUNDSCAPE_HOST (default 127.0.0.1) and SOUNDSCAPE_PORT (default 9000) say where the engine is.
set -euo pipefail
export LC_ALL=C
if [ $# -ne 1 ]; then
    echo "usage: $(basename "$0") BPM   (0 releases the override)" >&2
    exit 2
fi
exec oscsend "${SOUNDSCAPE_HOST:-127.0.0.1}" "${SOUNDSCAPE_PORT:-9000}" /tempo f "$1"
