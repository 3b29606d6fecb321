#!/usr/bin/env bash
# mood.sh VALENCE AROUSAL: set the player's mood, both -1..1 (sad..happy, calm..tense).
#   SOUNDSCAPE_HOST (default 127.0.0.1) and SOUNDSCAPE_PORT (default 9000) say where the engine is.
set -euo pipefail
export LC_ALL=C  # oscsend reads numbers with the C locale's decimal point
if [ $# -ne 2 ]; then
    echo "usage: $(basename "$0") VALENCE AROUSAL   (each -1..1, e.g. 0.6 -0.2)" >&2
    exit 2
fi
exec oscsend "${SOUNDSCAPE_HOST:-127.0.0.1}" "${SOUNDSCAPE_PORT:-9000}" /state/mood ff "$1" "$2"
