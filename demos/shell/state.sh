#!/usr/bin/env bash
# state.sh INPUT VALUE: set one input of the score, e.g. state.sh heartrate 72 or
# state.sh movement 0.5 (forest.yaml has valence, arousal, movement and heartrate).
#   SOUNDSCAPE_HOST (default 127.0.0.1) and SOUNDSCAPE_PORT (default 9000) say where the engine is.
set -euo pipefail
export LC_ALL=C
if [ $# -ne 2 ]; then
    echo "usage: $(basename "$0") INPUT VALUE   (e.g. heartrate 72)" >&2
    exit 2
fi
exec oscsend "${SOUNDSCAPE_HOST:-127.0.0.1}" "${SOUNDSCAPE_PORT:-9000}" "/state/$1" f "$2"
