#!/usr/bin/env bash
# Install what the test suite needs, idempotently and quickly when it is already there:
#  - Debian packages for the real-time and client tests: jackd2 (a JACK server with a dummy
#    driver: real time without a sound card), liblo-tools (oscsend/oscdump, a real OSC peer),
#    godot3-server (headless Godot 3), mono-mcs and mono-runtime (the C# client),
#    fluid-soundfont-gm (FluidR3_GM.sf2, MIT: the real SoundFont presets the sampler tests load),
#    chromium and chromium-driver (the real browser the console's test drives with selenium);
#  - the Python package with its test extras and the cluster extra (Ray: the cluster tests run a
#    real local Ray cluster, so CI must have it; pip skips it when it is already there).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(jackd2 liblo-tools godot3-server mono-mcs mono-runtime fluid-soundfont-gm chromium
    chromium-driver)
COMMANDS=(jackd oscsend godot3-server mcs mono chromium chromedriver)
FILES=(/usr/share/sounds/sf2/FluidR3_GM.sf2)

missing=0
for command in "${COMMANDS[@]}"; do
    command -v "$command" >/dev/null 2>&1 || missing=1
done
for file in "${FILES[@]}"; do
    [ -f "$file" ] || missing=1
done
if [ "$missing" = 1 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "install-test-deps: no apt-get here; install ${PACKAGES[*]} yourself" >&2
        echo "(tests that need them are skipped outside CI)" >&2
    else
        sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
    fi
fi

python3 -m pip install --quiet --disable-pip-version-check -e '.[test,cluster]'
