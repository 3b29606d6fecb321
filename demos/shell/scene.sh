#!/usr/bin/env bash
# scene.sh NAME: move to a scene of the score (forest.yaml: meadow, grove, ruins); the change
# lands on the next bar.
#   SOUNDSCAPE_HOST (default 127.0.0.1) and SOUNDSCAPE_PORT (default 9000) say where the engine is.
set -euo pipefail
export LC_ALL=C
if [ $# -ne 1 ]; then
    echo "usage: $(basename "$0") NAME   (e.g. grove)" >&2
    exit 2
fi
exec oscsend "${SOUNDSCAPE_HOST:-127.0.0.1}" "${SOUNDSCAPE_PORT:-9000}" /scene s "$1"
