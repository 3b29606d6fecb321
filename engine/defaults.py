"""Every default the engine uses when a score is silent: the one documented place for them.

Musical choices belong in scores; what is here is what a score gets when it does not say.
Each value carries its reason. Sources are in docs/score-format.md and the team's music notes
(EBU R128 for loudness, the emotion-mapping literature for ranges).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputDefault:
    min: float
    max: float
    default: float
    smoothing: float  # seconds for a step change to settle ~63 %
    source: str = "game"  # "sensor": watched for silence (SENSOR_TIMEOUT); "game": held


#: Built-in state inputs. Mood is -1..1 (valence: negative..positive, arousal: calm..intense);
#: movement 0..1; heart rate in BPM, smoothed over seconds because raw heart-rate streams jitter.
#: Heart rate is always a body sensor (a strap or a watch), so it is watched for silence by
#: default; movement is usually the game's avatar (the bundled scores' walking player), so it
#: holds unless a score says ``source: sensor`` (a VR headset's motion, an accelerometer).
BUILTIN_INPUTS: dict[str, InputDefault] = {
    "valence": InputDefault(-1.0, 1.0, 0.0, 1.5),
    "arousal": InputDefault(-1.0, 1.0, 0.0, 1.5),
    "movement": InputDefault(0.0, 1.0, 0.0, 0.5),
    "heartrate": InputDefault(40.0, 200.0, 70.0, 4.0, "sensor"),
}

#: A declared input with no range of its own.
CUSTOM_INPUT = InputDefault(0.0, 1.0, 0.0, 0.5)

#: Tempo: base BPM, the hard range no input can push it out of, and how far it may move per bar
#: (tempo lurches sound broken; ~5 % per bar is the most a listener accepts as a glide).
TEMPO_BPM = 90.0
TEMPO_RANGE = (40.0, 200.0)
TEMPO_GLIDE = 0.05

METER = "4/4"
KEY_ROOT = "C"
KEY_MODE = "major"
#: Mode changes need valence to cross a threshold by this much, and then hold this many bars.
MODE_HYSTERESIS = 0.15
MODE_HOLD_BARS = 4

PROGRESSION = (1, 6, 4, 5)
BARS_PER_CHORD = 2.0
TENSION = 0.2

#: Scene transitions: where they land and how long layers crossfade.
TRANSITION_QUANTIZE = "bar"
TRANSITION_FADE = 2.0

#: Stingers land on the next beat; ducking lowers the other layers and recovers afterwards.
STINGER_QUANTIZE = "beat"
STINGER_OCTAVE = 5
STINGER_DUCK_ATTACK = 0.05
#: A ducking stinger (``duck: {}``) lowers the other layers by 6 dB, enough to clear room for
#: it without the bed vanishing; they recover over a second, slower than a beat: no pumping.
STINGER_DUCK_DB = -6.0
STINGER_DUCK_RELEASE = 1.0

#: Mutation: every N bars, with this probability per layer.
MUTATION_EVERY = 4
MUTATION_PROBABILITY = 0.5

#: Layer mix and music parameters when a layer does not set them.
LAYER_PARAMS: dict[str, float] = {
    "gain": -6.0,  # dB
    "pan": 0.0,  # -1 left .. 1 right
    "reverb": 0.25,  # send level 0..1
    "density": 1.0,  # share of the pattern that plays
    "intensity": 0.5,  # rhythmic intensity: subdivisions, fills
    "register": 0.0,  # semitones
    "velocity": 0.75,  # 0..1
    "gate": 0.9,  # sounding / nominal note length
    "variation": 0.5,  # learned layers: 0 states the motifs as written, 1 continues freely
}
#: Ranges a score or OSC can reach for those parameters.
LAYER_PARAM_RANGES: dict[str, tuple[float, float]] = {
    "gain": (-80.0, 12.0),
    "pan": (-1.0, 1.0),
    "reverb": (0.0, 1.0),
    "density": (0.0, 1.0),
    "intensity": (0.0, 1.0),
    "register": (-24.0, 24.0),
    "velocity": (0.0, 1.0),
    "gate": (0.05, 1.0),
    "variation": (0.0, 1.0),
}
#: Ramp for layer gain and pan changes: fast enough to follow state, slow enough not to click.
GAIN_RAMP = 0.08

#: Master bus. -18 LUFS suits games on PC and console speakers with headroom for SFX;
#: EBU R128 broadcast is -23. The ceiling is in dB true peak.
MASTER_LOUDNESS = -18.0
MASTER_CEILING = -1.0
MASTER_REVERB_SIZE = 0.8
MASTER_REVERB_DAMP = 0.5
MASTER_REVERB_RETURN = -6.0  # dB
#: The loudness leveler: how slowly it listens and how far it may correct.
LEVELER_WINDOW = 10.0  # seconds of energy averaging
LEVELER_RANGE = (-12.0, 12.0)  # dB of correction
LEVELER_SLEW = 0.5  # dB per second: slow enough that state changes stay audible
LEVELER_GATE = -50.0  # LUFS: quieter blocks do not count (silence is not boosted)
LEVELER_PERIOD = 0.1  # seconds between leveler updates
LIMITER_HEADROOM = 1.0  # dB the limiter threshold sits below the ceiling (intersample peaks)
#: The live meter (``/engine/meter``, the console). Short-term loudness is BS.1770's 3 s window:
#: the mean of the leveler's K-weighted power readings over the last 3 s (30 of them).
METER_SHORT_TERM = 3.0
#: The true-peak meter holds a peak and lets it fall by this many dB a second: a reading every
#: LEVELS_PERIOD then sees the peak of the last 0.2 s at most 1 dB under its height, and an over
#: stays visible for seconds (a digital peak meter's fall is 8-12 dB/s; slower is kinder here).
METER_PEAK_FALL = 5.0
#: Below this the meter says this instead of -inf (JSON and OSC floats stay finite).
METER_FLOOR_DB = -120.0

#: Render defaults.
SAMPLE_RATE = 48000
BUFFER_SIZE = 256
SEED = 1

#: The live engine (``soundscape play``).
OSC_HOST = "127.0.0.1"  # loopback only unless the user says otherwise
OSC_PORT = 9000
#: ``play --oscquery``: how long its child process may take to serve (it imports zeroconf and
#: binds; well under a second here) and to stop (it unregisters from mDNS, which sends goodbye
#: packets), before the engine gives up on it (and kills it, when stopping).
OSCQUERY_START_TIMEOUT = 10.0
OSCQUERY_STOP_TIMEOUT = 5.0
#: How often a Python thread must hand the GIL over (s). pyo's audio callback needs the GIL; at
#: Python's default 5 ms a busy thread caused thousands of xruns, at 0.5 ms none at 256 frames
#: (notes/pyo.md). At 128 frames under a 2,000 msg/s flood, 0.5 ms still gave 6 xruns in five
#: 30 s runs and 0.1 ms gave none, at the same CPU (benchmarks/realtime.py, interleaved runs).
SWITCH_INTERVAL = 0.0001
FADE_OUT = 0.5  # s of fade when playback is stopped (SIGINT/SIGTERM)
LEVELS_PERIOD = 0.2  # s between /engine/levels (and /engine/meter) messages to subscribers
STATUS_PERIOD = 0.25  # s between status view refreshes
MAX_SUBSCRIBERS = 16  # feedback destinations (each costs a send per message)

# -- The audio clock behind stamped feedback (live/feedback.py SampleClock) ----------------------
#: Share of the way per buffer the clock creeps toward a buffer that started late: slow enough
#: that one late buffer (a few ms on a busy machine) moves stamps by microseconds, fast enough to
#: follow the audio and wall clocks' rates differing by 100 ppm within half a millisecond.
STAMP_DRIFT = 0.001
#: A buffer this much later (s) than the clock expects means the audio clock lost time (an xrun
#: skipped buffers), not jitter: the clock jumps to it.
STAMP_RESYNC = 0.02

# -- Why the music changed (/engine/why, docs/osc.md) ------------------------------------------
#: A layer's gain must move this far (dB) from where it was last explained to be told: a change a
#: listener hears as "louder" or "softer" (about twice or half as loud), not every small drift.
WHY_LEVEL_DB = 6.0
#: A bar's tempo must differ this much (bpm) from the tempo last explained: about 5 % at 80 bpm,
#: around what a listener notices; a glide is told once per such step, not every bar.
WHY_TEMPO_STEP = 4.0
#: /engine/why messages a second to subscribers, and the burst saved up: a scene change brings a
#: handful at once (scene, key, tempo, levels), but a wild sender never floods a game with them.
WHY_RATE = 4.0
WHY_BURST = 8
#: Reasons the status view, /engine/stats readers and the exit summary keep (the newest).
WHY_KEEP = 8

# -- Feedback subscriptions and the allowlist (docs/osc.md, "Who may talk to the engine") --------
#: A subscription lasts this long (s) unless renewed (subscribing again renews it), so clients that
#: vanish without unsubscribing (crashed, unplugged, spoofed) leave the table by themselves.
SUBSCRIPTION_TTL = 10.0
#: How often the bundled clients (demos/) renew (s): under a third of the TTL, so even two lost
#: renewals in a row do not end a subscription.
SUBSCRIPTION_RENEW = 3.0
#: With the table full, a newcomer replaces the subscriber renewed least recently if that one has
#: been silent for more than this share of the TTL. A client renewing every TTL/3 is never that
#: silent unless a renewal is lost, and a live newcomer gets in within TTL/2 + TTL/3 of its first
#: try, before the TTL: dead subscribers cannot keep it out.
SUBSCRIPTION_REPLACEABLE = 0.5

# --- Recording: files written while playing or rendering (issue 10) -----------------------------
#: How often (seconds of audio) an offline render checks that its WAV is growing and rewrites the
#: header's sizes: a killed render keeps all but its last second, at the cost of an fstat and two
#: 4-byte writes per second of audio. Live sessions do the same every STATUS_PERIOD.
RECORD_CHECK_SECONDS = 1.0
#: How many buffers a live WAV may lag behind the buffers computed before we call its writes
#: failed. pyo writes each buffer right after computing it, so a healthy file is at most one
#: buffer behind when the main thread looks (it reads the count first); a failed write leaves it
#: behind for good.
RECORD_LAG_BUFFERS = 2

#: Audio faults (``soundscape play``): noticing a dead audio server and restarting a private one.
#: The buffer count may stand still this long (s) before the audio counts as stopped: a second is
#: hundreds of buffers, far beyond any xrun, and the status period (0.25 s) checks it in time.
AUDIO_STALL = 1.0
#: How long the player waits, once pyo has lost its JACK client, for the JACK monitor to say
#: why (the server's death is noticed by both, in either order): the message then names it.
DEATH_GRACE = 0.3
#: Restarts of a private (--audio dummy) server in one session; past them the engine stops and
#: exits non-zero: a server that keeps dying needs a person, not a loop.
AUDIO_RESTARTS = 3
#: Longest wait (s) for pyo to shut down its server after its JACK server died (pyo does it from
#: JACK's thread at once; this only bounds the wait), and how long a restarted server must keep
#: pyo's client before it counts as playing.
AUDIO_RESTART_SETTLE = 0.2
#: Attempts at one restart: the new server may die as it starts (a test kills it then, a
#: system that kills jackd keeps doing it); past them the engine stops.
AUDIO_RESTART_ATTEMPTS = 3
#: Fade-in (s) of the rebuilt instruments after a restart: no click from the silence.
AUDIO_RESTART_FADE_IN = 0.3
#: Longest wait (s) for the audio device to close at exit: a frozen JACK server never answers.
AUDIO_CLOSE_TIMEOUT = 2.0
#: --duration is also a wall-clock limit: the session ends by duration + this (s) even if no
#: audio is computed. The dummy driver's clock keeps wall time within a few ms, so the audio
#: count ends a healthy session first.
DURATION_SLACK = 1.0

# -- Live reload (``soundscape play --watch``, ``/engine/reload``; docs/osc.md "Live reload") --
#: Fade (s) of a layer a reloaded score adds to the scene playing, of one it removes, and the
#: crossfade of a layer whose instrument changed: long enough not to click, short enough that the
#: edit is heard in the bar it lands on.
RELOAD_FADE = 0.5
#: Quiet time (s) after the last change to the score's files before it is read: an editor's save
#: is often several writes (truncate, write, rename), and a half-written file is not an edit.
RELOAD_DEBOUNCE = 0.15
#: How often (s) the player looks at a reload in progress (STATUS_PERIOD otherwise).
RELOAD_POLL = 0.02
#: How much lower the reading process's CPU priority is than the engine's (``nice``): reading
#: a score must never take the core from the audio.
RELOAD_NICENESS = 10
#: Longest a reload's parse may take in its process (s) before it is abandoned as an error: a
#: score, its motifs and its samples load in well under a second.
RELOAD_TIMEOUT = 30.0
#: Notices (reload errors) waiting for the audio callback to send them: the oldest goes first.
MAX_NOTICES = 8
#: Longest reload error text sent to subscribers (characters): one datagram, whatever the error.
RELOAD_ERROR_CHARS = 1000

# -- OSC input bounds (issue 10): nothing a sender does can stop, slow or bloat the engine ----
#: Largest datagram parsed (bytes). UDP over IPv4 carries at most 65,507, so nothing real is
#: refused; it bounds the parser's work per datagram (linear in the size).
OSC_MAX_DATAGRAM = 65536
#: Bundles inside bundles (and arrays inside arrays) at most this deep; deeper is ``too_deep``.
#: Real senders nest one or two levels; the cap bounds the parser's recursion.
OSC_MAX_DEPTH = 8
#: Messages in one datagram at most (else ``too_many_messages``): a game's bundle of a frame's
#: state is tens of messages; the cap bounds what one datagram can queue and the time the
#: receive thread parses it while holding the GIL (~2 µs a message: 0.5 ms at the cap).
OSC_MAX_MESSAGES = 256
#: Arguments in one message at most (else ``too_many_args``): bindings read arguments 0..15, and
#: the cap bounds a message's memory (``T`` and ``N`` tags take no bytes in the datagram).
OSC_MAX_ARGS = 64
#: Future time tags farther ahead than this (s) are dropped as ``too_far_ahead``: games schedule
#: a few beats ahead, not minutes; held messages are memory a sender could otherwise grow.
OSC_HORIZON = 60.0
#: Messages held for a future time tag, by count and by their bytes in the datagrams; beyond
#: either the new ones are dropped as ``held_full``. 10,000 is minutes of a game's scheduled
#: traffic; 4 MiB keeps the held Python objects to tens of MB even for long strings.
OSC_HELD_MAX = 10_000
OSC_HELD_BYTES = 4 * 2**20
#: Messages due and waiting for the audio thread, by count and bytes; beyond either the new
#: ones are dropped as ``inbox_full``. The audio thread takes up to OSC_TAKE_PER_BUFFER a
#: buffer (24,000/s at 256 frames), so a full inbox is a sender outpacing that for 0.2 s.
OSC_INBOX_MAX = 4096
OSC_INBOX_BYTES = 4 * 2**20
#: Messages the audio thread takes per buffer; the rest wait for the next buffer. Continuous
#: inputs are coalesced before this (the last value per address wins), so what counts here is
#: discrete messages; 128 at a few µs each keeps a buffer's OSC work well under 1 ms.
OSC_TAKE_PER_BUFFER = 128
#: Events (stingers): a token bucket per event name, and one for all events together; excess is
#: dropped as ``event_rate``. Each stinger starts voices: 200 landing together cost 4.5 ms per
#: buffer (measured), and no music fires one stinger more than a couple of times a second.
EVENT_RATE = 2.0  # per second, per event name
EVENT_BURST = 3  # back to back, per event name
EVENTS_RATE = 8.0  # per second, all events
EVENTS_BURST = 8
#: Stingers waiting for their quantization boundary at most; more are dropped as ``event_rate``.
MAX_PENDING_STINGERS = 8
#: Control requests (/engine/subscribe, /unsubscribe, /stats), all senders together: a client
#: renews every few seconds and asks for stats a few times a second at most; a stats reply costs
#: the audio thread ~20 µs and sends a datagram, so a flood must not buy 128 of them a buffer.
#: Excess is dropped as ``control_rate``.
CONTROL_RATE = 20.0  # per second
CONTROL_BURST = 20

# -- Limits on what a score, a timeline or a command line may ask for (hostile input) ----------
#: A score file larger than this is refused before it is read: the bundled scores are under
#: 10 KB, and PyYAML holds a node (hundreds of bytes) per value, so 1 MiB keeps a load under
#: ~100 MB and a second.
MAX_SCORE_BYTES = 1 << 20
#: Nesting of lists and mappings: the deepest real path (``layers.x.gain[0].curve[0][0]``) is 6.
#: PyYAML composes recursively, so without a cap 2,000 ``[`` blow Python's stack.
MAX_SCORE_DEPTH = 32
#: Values (scalars, lists, mappings) in one score: a generous hundred times a real score's.
MAX_SCORE_NODES = 100_000
#: Digits of an integer literal: no field takes more than 10 (a seed), and Python refuses to
#: convert strings of more than 4,300 digits (CPython's int_max_str_digits).
MAX_INT_DIGITS = 30
#: Magnitude of a number whose field has no range of its own (curve x, input ranges, mode
#: thresholds): far beyond any sensor unit, and small enough that differences and products of
#: two such numbers stay finite.
MAX_MAGNITUDE = 1e9
#: Layers: each is a mixer channel plus an instrument of 34 (wind) to 335 (keys) pyo objects,
#: all built up front. Rendering 3 s of N keys layers took: 128, 12 s and 250 MB; 1,024, 230 s
#: and 1.7 GB; 2,048, over 900 s and 3.4 GB; 5,000 pads segfaulted pyo. At the caps (64 keys
#: layers and 32 bell stingers) 3 s render in 11 s with 183 MB. Real scores use 4 to 10 layers.
MAX_LAYERS = 64
#: Stingers: each is a channel and an instrument too, built up front like a layer.
MAX_STINGERS = 32
#: Scenes, transition rules, declared inputs and OSC bindings per input: data only, but each
#: is looked at per message or per scene change, so keep them to what a score can use.
MAX_SCENES = 64
MAX_TRANSITIONS = 256
MAX_INPUTS = 64
MAX_BINDINGS = 16
#: Points in one curve, terms in one parameter sum, chords in a progression, notes in a stinger,
#: thresholds in a mode map, items in a list-valued generator option: each is walked per bar or
#: per buffer while the state moves, so each stays small.
MAX_CURVE_POINTS = 64
MAX_TERMS = 16
MAX_PROGRESSION = 64
MAX_STINGER_NOTES = 64
MAX_MODE_THRESHOLDS = 32
MAX_OPTION_ITEMS = 32
#: Motifs a score may name, and items in one note list: learning is done once at load and
#: grows with the material (about 2 ms per 100 notes), so a score's load stays well under 1 s.
MAX_MOTIFS = 32
MAX_MOTIF_ITEMS = 1024
#: A motif is a few bars: notes and bars of one motif, and the bytes of a MIDI file it is read
#: from (a file controls these, so they are bounded before the model is built).
MAX_MOTIF_NOTES = 4096
MAX_MOTIF_BARS = 256
MAX_MIDI_BYTES = 4 << 20
#: What a MIDI recording (``render --midi``, ``play --record-midi``) keeps: notes, beats and key
#: changes, about 200 bytes each in memory until the file is written at the end, so ~100 MB at
#: the cap: about 100 minutes of combat (5,000 notes a minute). Later ones are counted, not kept.
MAX_RECORDED_MIDI_EVENTS = 500_000
#: Characters of a value quoted in an error message: enough to recognise it, never a megabyte.
MAX_QUOTE = 80
#: Characters of a layer, scene, stinger or input name: names travel in OSC feedback messages.
MAX_NAME = 64
#: Timelines (JSON Lines or oscdump) are read whole, at ~300 bytes of Python per message: a
#: million lines (an hour at ~280 messages/s, 64 MiB at ~60 bytes a line) stays under ~400 MB.
#: A line is one OSC message: 64 KiB is a UDP datagram's worth. Messages carry at most 64
#: arguments (the router reads a few).
MAX_TIMELINE_BYTES = 64 << 20
MAX_TIMELINE_LINES = 1_000_000
MAX_TIMELINE_LINE = 64 << 10
MAX_TIMELINE_ARGS = 64
#: The longest render, and the latest time a timeline message may carry (seconds).
MAX_SECONDS = 24 * 3600.0

# -- Bar preparation (engine/conductor/preparation.py) -----------------------------------------
#: How far ahead of its bar line a bar is decided (tempo, mode, chord, mutation, a scene change
#: landing on it) and then written one layer per buffer (s). It must hold one buffer per slice:
#: a layer's bar (~0.1-0.3 ms of Python) or an entering instrument's wake (~0.1-0.25 ms); 0.1 s
#: is ~19 buffers of 256 frames, enough for 8 layers plus 8 entries at one slice per buffer, and
#: short beside a bar (1.5-4 s), so decisions still follow the state within a beat. Quantized
#: scene changes and stingers land at least this long after they are requested (their entries
#: are prepared in that time).
BAR_LEAD = 0.1

# -- Sample assets: SoundFonts, recordings, one-shots (issue 11, engine/samples, score/assets) --
#: Where a score's ``soundfont:`` is looked for when it is not next to the score (after the
#: ``--soundfont`` option and the SOUNDSCAPE_SOUNDFONTS folders): Debian's fluid-soundfont-gm
#: installs FluidR3_GM.sf2 in the first, other distributions (Arch, Fedora) use the second.
SOUNDFONT_FOLDERS = ("/usr/share/sounds/sf2", "/usr/share/soundfonts")
#: The environment variable naming more SoundFont folders (os.pathsep-separated).
SOUNDFONT_PATH_ENV = "SOUNDSCAPE_SOUNDFONTS"
#: Parsed SoundFonts kept per process (structure only, ~0.1 s and a few MB each to parse;
#: samples are read on demand): a score uses one or two, a test session a handful.
SOUNDFONT_CACHE = 4
#: Sample memory a score may hold unless it sets ``max_sample_mb`` (MB of float64 at the engine's
#: rate; pyo64 tables hold doubles, 8 bytes a sample): an orchestral score's half dozen GM
#: presets take ~100-200 MB, and the issue's budget for the whole engine is 300 MB of RSS.
MAX_SAMPLE_MB = 256.0
#: The largest cap a score may set: beyond this a machine would be swapping, not playing.
MAX_SAMPLE_MB_LIMIT = 4096.0
#: Sound files in one ``samples:`` folder or list: each is a zone a note chooses among, and a
#: folder is listed whole at load.
MAX_RECORDINGS = 512
#: The pitch a one-shot stinger without ``root:`` is filed under: its note is played at this
#: pitch, so it sounds as recorded (any number would do; middle C reads well in a zone dump).
ONESHOT_ROOT = 60
#: Sound file extensions a ``samples:`` folder is scanned for (soundfile reads them all).
RECORDING_EXTENSIONS = (".wav", ".flac", ".ogg", ".aif", ".aiff")

# -- Stems and ambience beds (issue 11: engine/dsp/instruments/stem.py, ambience.py) -----------
#: How a stem follows an engine tempo that differs from its own: "stretch" keeps its pitch (and
#: so its key, which a tempo that moves with arousal would otherwise drag by up to several
#: semitones) at the cost of granular smearing; "resample" reads it faster or slower, pitch and all.
STEM_FOLLOW = "stretch"
STEM_FOLLOW_MODES = ("stretch", "resample")
#: A stem's own tempo (BPM) and length (bars): a loop is at least a bar, and 256 bars of 4/4 at
#: 20 BPM is 51 minutes, more than any loop a score would carry.
STEM_TEMPO_RANGE = (20.0, 400.0)
STEM_MAX_BARS = 256
#: A stem's duration may differ from bars x beats x 60 / tempo by this fraction (an export
#: rounded to whole samples or trimmed by a few ms); the file's own length then defines the bar
#: so the loop stays seamless. A bigger difference is a wrong tempo or bar count: an error.
STEM_LENGTH_TOLERANCE = 0.03
#: Each bar starts a fresh read at its exact position, crossfaded over this long against the
#: previous bar's read (two alternating voices): long enough that a re-anchor cannot click, short
#: enough that a downbeat's transient is not softened.
STEM_CROSSFADE = 0.005
#: A bar's read starts this long before its bar line (silent until the crossfade), so the grains
#: sounding at the bar line already read the bar's lead-in: longer than a grain plus the
#: crossfade. Bars are decided BAR_LEAD (0.1 s) ahead, so the preroll fits inside it.
STEM_PREROLL = 0.08
#: Stretch mode's pitch shifter window (s, pyo's Harmonizer: two crossfading delay taps): a stem
#: read at ``rate`` is shifted back by the rate's interval. Its delay swings within the window
#: (onsets land within +-W/2 of the beat, read ahead by W/2); 30 ms keeps that within +-15 ms
#: and the level within 0.1 dB, where 60 and 100 ms windows lost 4.4 dB on a held tone.
#: (Granular stretching was measured first: its grains, at a fixed spacing, added up like a
#: comb, and near the stem's tempo the pitch followed the rate as if resampled: a 440 Hz stem
#: at 1.1x played 484 Hz.)
STEM_WINDOW = 0.03
#: An ambience bed's loop point is blended over this many seconds at load (equal-power), and a
#: score may ask for 0.01-30 s; the file must be longer than twice the blend.
BED_CROSSFADE = 2.0
BED_CROSSFADE_RANGE = (0.01, 30.0)

# -- Stinger cooldown (engine/conductor/conductor.py) ------------------------------------------
#: Copies of one stinger sounding (or waiting for their beat) at once; more requests are dropped
#: as ``stinger_busy``. A stinger is one musical gesture: two copies landing on the same beat
#: only double its level (+6 dB) and its ducking, and a burst of game events would otherwise
#: stack several before the router's event bucket (EVENT_BURST) refuses any.
STINGER_MAX_PLAYING = 1
#: Seconds after an accepted request during which the same stinger refuses another (dropped as
#: ``stinger_cooldown``). 0: the playing cap alone decides, so a stinger may follow itself as
#: soon as its last note has ended.
STINGER_COOLDOWN = 0.0
#: The longest cooldown a score may ask for, in seconds, beats or bars.
MAX_STINGER_COOLDOWN = 600.0
#: The most copies of one stinger a score may allow at once (each starts voices on one channel).
MAX_STINGER_PLAYING = 8

# -- Plots of a render (engine/render/trace.py, engine/plots) ----------------------------------
#: Rows a trace holds for a whole render (inputs, their targets, layer gains): a plot is about
#: 1,400 pixels wide, so 4,000 rows is finer than any pixel, and the memory is bounded by it
#: (not by the render's length): a row is taken every ``ceil(buffers / TRACE_ROWS)`` buffers.
TRACE_ROWS = 4000
#: Marks of each kind a trace keeps (bars' tempo, keys, scenes, stingers, events, mutations);
#: more are counted as dropped. One a bar for 24 hours at 160 BPM is 57,600: the cap is for a
#: sender's flood of events, not for music.
TRACE_MARKS = 100_000
#: Short-term loudness (EBU R 128): a 3 s window, read every 0.25 s, so a stinger's duck or a
#: layer's entry is visible without the plot costing seconds per minute of audio.
PLOT_LOUDNESS_WINDOW = 3.0
PLOT_LOUDNESS_HOP = 0.25
#: A layer's gain is drawn in dB down to this floor (a faded-out layer sits on it).
PLOT_GAIN_FLOOR_DB = -60.0
# -- The browser console (engine/console, docs/console.md) ---------------------------------------
#: ``play --console`` with no port: a fixed, memorable port a bookmark can keep (0 asks for any
#: free one). The console serves 127.0.0.1 only: it steers the engine, so it is not for the LAN.
CONSOLE_PORT = 8765
CONSOLE_HOST = "127.0.0.1"
#: How often the console pushes the engine's state to each browser (s): 5 a second, as often as
#: /engine/levels arrives; a meter needs no more, and a browser tab costs one small JSON each.
CONSOLE_PUSH_PERIOD = 0.2
#: How often the console asks /engine/stats (s): 2 of the engine's 20 control requests a second.
CONSOLE_STATS_PERIOD = 0.5
#: How often it asks /engine/describe until the engine answers (s).
CONSOLE_DESCRIBE_RETRY = 1.0
#: What one browser may send: messages a second and back to back (a slider dragged fast sends
#: ~60 a second; the engine coalesces them per buffer anyway). Beyond it: dropped and counted.
CONSOLE_RATE = 60.0
CONSOLE_BURST = 60
#: The largest WebSocket message a browser may send (bytes): a command is under 200.
CONSOLE_MESSAGE_MAX = 1024
#: Browser connections at once; more are refused (each gets every push).
CONSOLE_CLIENTS = 8
#: Reload errors (/engine/error) the console keeps to show, newest first.
CONSOLE_ERRORS_KEPT = 5
#: How long the player waits for the console process to say where it serves (s).
CONSOLE_START_TIMEOUT = 20.0
#: How often the console looks at the score file for changes (s): a stat() call.
CONSOLE_SCORE_CHECK = 1.0
# -- Beats stamped ahead (issue 14, item 6: engine/live/feedback.py, docs/osc.md) ---------------
#: How long before a beat (scene change, stinger, key change) is heard its feedback is sent, as
#: an OSC bundle time-tagged with the moment it reaches the listener (s). 30 ms is about six
#: buffers of 256 frames at 48 kHz and two frames of a 60 fps game: time for the packet to cross
#: a LAN and for the game to schedule a visual or haptic pulse on the stamp. At most BAR_LEAD
#: reaches a downbeat early (a bar is decided BAR_LEAD before its line); 0 sends everything
#: un-bundled when its buffer is computed, as before.
FEEDBACK_AHEAD = 0.03
#: The device's output latency when neither JACK nor --output-latency says (s): a PortAudio
#: stream's is unknown to pyo, and two buffers (the one playing and the one queued) is the usual
#: double buffering; with JACK the playback port's latency is read instead.
OUTPUT_LATENCY_BUFFERS = 2

# -- Entrainment: the tempo leads the heart (issue 14, item 3; docs/entrainment.md) ---------------
#: What `goal: calm` and `goal: energise` mean: the tempo aims this fraction below or above the
#: listener's (folded) heart rate. A few percent is what the iso principle asks for: a step the
#: listener can follow, not a new tempo imposed on them.
ENTRAIN_GOALS: dict[str, float] = {"calm": -0.05, "energise": 0.05}
#: The largest |goal| a score may ask: beyond ~10 % the music no longer sounds "near" the pulse.
ENTRAIN_GOAL_LIMIT = 0.10
#: Hard tempo limits while entraining (BPM): a score's own `min`/`max` and its tempo range are
#: clamped inside them. Below 40 a beat stops being heard as a pulse; above 180 as one beat.
ENTRAIN_TEMPO_LIMITS = (40.0, 180.0)
#: The most the tempo may change from one bar to the next while entraining (a fraction of the
#: tempo), by default and at most: 2 % a bar is a drift the listener follows without noticing a
#: jump; 3 % is the hard cap (the score's `tempo.glide` applies too, whichever is smaller).
ENTRAIN_PER_BAR = 0.02
ENTRAIN_PER_BAR_LIMIT = 0.03
#: The most the tempo may move within any minute (BPM, between any two bar lines under 60 s
#: apart), by default and at most: slow enough that a body has time to follow.
ENTRAIN_PER_MINUTE = 6.0
ENTRAIN_PER_MINUTE_LIMIT = 10.0
#: Bars the tempo must sit within `tolerance` of the heart before it starts to lead (match
#: first, then lead: the iso principle).
ENTRAIN_MATCH_BARS = 8
ENTRAIN_TOLERANCE = 0.03
#: Bars (with a valid heart reading) over which following is judged while leading, and the least
#: the heart must move toward the goal over them (a fraction of its rate); else leading stops
#: and the tempo holds.
ENTRAIN_WINDOW = 16
ENTRAIN_FOLLOW = 0.01
#: Heart readings outside this range (BPM) are a sensor's dropout (a flaky strap sends 0 or 255),
#: not a heart: such a bar holds the tempo and does not count.
ENTRAIN_HEART_VALID = (30.0, 220.0)

# -- The comfort budget (issue 14, item 4; docs/comfort.md) ----------------------------------------
#: Presets for `comfort: {preset: NAME}` and `--comfort NAME`: how fast each layer's gain (dB/s,
#: and dB in one step), instrument parameters, pan and reverb (a share of their range per second
#: and per step), the loudness (dB/s, dB), the tempo (BPM/s, and a fraction per bar) may move,
#: and the shortest scene fade (s). No standard sets these; they were chosen by ear and by
#: measuring renders driven by a 5 Hz square wave (tests/conductor/test_comfort.py): `vr` keeps
#: every swing slower than a head turn's worth of surprise, `gentle` halves it again.
#: The loudness budget is shared: each layer's gain gets at most half of it (a mix of layers
#: moves no faster in dB than its fastest layer), the master dynamics the rest.
COMFORT_PRESETS: dict[str, dict[str, float]] = {
    "vr": {
        "gain_rate": 3.0,
        "gain_step": 1.0,
        "param_rate": 0.5,
        "param_step": 0.05,
        "loudness_rate": 6.0,
        "loudness_step": 1.0,
        "tempo_rate": 0.5,
        "tempo_step": 0.02,
        "fade": 4.0,
    },
    "gentle": {
        "gain_rate": 1.5,
        "gain_step": 0.5,
        "param_rate": 0.25,
        "param_step": 0.025,
        "loudness_rate": 3.0,
        "loudness_step": 0.5,
        "tempo_rate": 0.25,
        "tempo_step": 0.01,
        "fade": 6.0,
    },
}

# -- The body: sensor watchdog and personal baseline (issue 14, docs/listener.md) ---------------
#: Where an input's values come from: a ``sensor`` (a strap, a watch, a headset: it can drop
#: out) or the ``game`` (it sends a value when it changes, and silence means "unchanged").
INPUT_SOURCES = ("game", "sensor")
#: Seconds without a message before a sensor input is stale and eases to its fallback. Straps
#: and watches send about once a second; Bluetooth hiccups of 1-3 s are common and should not
#: move the music, while a strap that slipped off should not freeze it for good: 5 s is five
#: missed readings.
SENSOR_TIMEOUT = 5.0
#: The longest timeout a score may give (s): an hour; beyond it, leave the timeout out (hold).
MAX_SENSOR_TIMEOUT = 3600.0
#: The first seconds of a listener's session whose heart rate is their resting rate: three
#: minutes, the usual settling time before a resting measurement (a listener who starts a
#: session sits down and calms within it; later readings reflect the music and the game).
BASELINE_LEARN_SECONDS = 180.0
#: Readings a baseline needs before it replaces the default: 20 (20 s of a 1 Hz strap), enough
#: for a median to ignore a few dropouts and spikes.
BASELINE_MIN_SAMPLES = 20
#: A heart-rate reading outside this range (BPM) is a sensor fault, not a heart: a flaky strap
#: sends 0 (no contact) or 255 (a saturated byte). Resting adults sit at 40-100; 30 admits
#: trained athletes, 220 is above any adult's maximum.
BASELINE_PLAUSIBLE = (30.0, 220.0)
#: At most one reading per this many seconds goes into the baseline, so a sender at 100 Hz
#: neither fills memory nor outweighs a 1 Hz strap's three minutes (s).
BASELINE_MIN_GAP = 0.5
#: The input a baseline is learned for, and the forms a score can map: ``relative`` is BPM above
#: (+) or below (-) the listener's resting rate, ``ratio`` the heart rate over it (1 at rest).
#: Until a baseline exists, the heart-rate input's default (70 BPM built in, a typical resting
#: rate) stands in for it.
BASELINE_INPUT = "heartrate"
DERIVED_INPUTS = ("relative", "ratio")
#: Ranges of the derived inputs, wider than any heart and baseline can make them (the
#: plausible range's span either way, and a quarter to four times the baseline).
RELATIVE_RANGE = (-180.0, 180.0)
RATIO_RANGE = (0.25, 4.0)
#: ``play --baselines FILE``: listeners kept (one line of ~20 bytes each, read once at start),
#: and the file's size cap: room for a studio's or an arcade's regulars, never a memory hazard.
MAX_BASELINES = 100_000
MAX_BASELINES_BYTES = 4 << 20
# -- Spatial placement and the listener's head (issue 14 item 5, docs/spatial.md) ----------------
#: How placed layers and stingers are rendered: ``off`` ignores positions (every layer pans as the
#: score's ``pan`` says), ``stereo`` pans by bearing (equal power) with distance, ``binaural``
#: renders for headphones (pyo's HRTF). Stereo by default: a score that places a source wants it
#: heard where it is on any output, and layers without a position sound the same in every mode.
SPATIAL_MODES = ("off", "stereo", "binaural")
SPATIAL_MODE = "stereo"
#: A position's fields when a score leaves them out: straight ahead, on the horizon, 1 m away
#: (the reference distance, where the inverse-distance law leaves the level as mixed).
POSITION = {"azimuth": 0.0, "elevation": 0.0, "distance": 1.0}
#: Their ranges (degrees, degrees, metres). Azimuth sent by a game is wrapped into it, elevation
#: and distance clamped. 0.1 m is closer than anything a head-worn listener can be to a source;
#: past 1 km the inverse-distance law has the source at -60 dB, inaudible under any mix.
POSITION_RANGES = {
    "azimuth": (-180.0, 180.0),
    "elevation": (-90.0, 90.0),
    "distance": (0.1, 1000.0),
}
#: Inverse distance: the gain is REFERENCE / distance, never above 1 (closer than the reference
#: the level stays as mixed: a source cannot blow up as it reaches the head).
SPATIAL_REFERENCE_DISTANCE = 1.0
#: Air absorption, gently: a one-pole low-pass at NEAR / (1 + distance / HALF) Hz (19 kHz at
#: 1 m, 10 kHz at 20 m, 3.3 kHz at 100 m), never under MIN. Real air takes a few dB a hundred
#: metres off the top octave; games exaggerate it a little so distance reads as distance.
AIR_CUTOFF_NEAR = 20000.0
AIR_DISTANCE_HALF = 20.0
AIR_CUTOFF_MIN = 1000.0
#: Direction and distance changes ramp over this long (s): under a 256-frame buffer at 48 kHz,
#: so a head turn is heard within the buffer it arrives in, and long enough not to click.
SPATIAL_RAMP = 0.005
#: pyo's HRTF (MIT KEMAR impulses) holds elevations from -40 to 90 degrees; lower sources are
#: rendered at -40.
HRTF_ELEVATION_RANGE = (-40.0, 90.0)

# -- many listeners (issue 15, engine/ensemble/, docs/scale.md) ----------------------------------
#: `serve`'s listener engines when --listeners is not given: enough to hear that each is its own
#: performance, few enough that one core renders them with room to spare (docs/performance.md).
SERVE_LISTENERS = 8
#: The most listener engines one `serve` process takes: each costs a core's share and about
#: 40 MB; beyond this, spread them over machines (--ray).
SERVE_LISTENERS_MAX = 256
#: A listener's id: what /listener/ID/... and the page's address name. Short, URL- and OSC-safe.
LISTENER_ID_PATTERN = r"[A-Za-z0-9_-]{1,32}"
#: Words after /listener/ that are addresses of their own (issue 14), never listener ids.
LISTENER_RESERVED = ("baseline", "orientation")
#: Messages waiting for one listener engine's next buffers; a sender that floods one listener
#: fills its queue and the rest are dropped and counted (`listener_queue_full`), never grown.
LISTENER_QUEUE_MAX = 1024
#: How far ahead of the wall clock `serve` renders (s): a cushion against a late wake-up of its
#: render loop, short enough that an input is heard soon after it arrives.
SERVE_AHEAD = 0.02

# -- listener engines on a Ray cluster (serve --ray; engine/ensemble/cluster.py, docs/scale.md) --
#: Buffers of each listener a group actor renders per call, as seconds of audio: one Ray call
#: cost 1-4 ms beyond its rendering on a busy 2-core machine (benchmarks/ray_calls.py,
#: docs/scale.md), so one call per 5.3 ms buffer made a buffer cost 4.3-7.7 times what it does in
#: process; 20 ms (4 buffers) spreads a call over four buffers of every listener in the group, and
#: adds at most 20 ms to a message's way.
RAY_CHUNK_SECONDS = 0.02
#: How often Ray restarts a listener actor that died (-1: always): a listener whose engine keeps
#: dying (a bad node) is given up after this many, instead of restarting forever.
RAY_MAX_RESTARTS = 10
#: Listener engines one Ray actor hosts (serve --listeners-per-actor): an actor with the engine,
#: numpy, pyo and ray imported holds ~66 MB of private memory before any engine and a forest
#: listener engine adds ~10 MB, so one engine per actor cost ~77 MB a listener; eight share the
#: imports (18 MB a listener measured, docs/scale.md). Eight forest engines need about half a
#: core (one needs ~1/17: docs/performance.md, "Scaling"), leaving a denser score room on the
#: group's one core; a group that dies loses its eight listeners' bar, not more.
RAY_LISTENERS_PER_ACTOR = 8
#: The most listener engines one actor may host: one process renders them in turn on one core.
RAY_LISTENERS_PER_ACTOR_MAX = 64
#: Logical CPUs each group actor asks for: its engines render in turn on one Python thread, so a
#: group uses at most one core, and RAY_LISTENERS_PER_ACTOR forest engines fill about half of
#: it. So Ray places one group per core: ~8 listeners a core, not one.
RAY_GROUP_CPUS = 1.0
#: The coordinator mostly waits for its listeners: it asks for no CPU, so it never keeps a
#: listener from being placed.
RAY_COORDINATOR_CPUS = 0.0
#: Listeners on one cluster (more than one process's SERVE_LISTENERS_MAX: they are spread).
RAY_LISTENERS_MAX = 1024
#: Seconds closing waits for a listener actor to free its pyo server before it is killed.
RAY_CLOSE_TIMEOUT = 10.0
# -- listening in a browser (issue 15 item 2: engine/ensemble/web.py, docs/scale.md) -------------
#: `serve --http` with no port: a fixed port a bookmark can keep (0 asks for any free one), next
#: to the console's 8765.
SERVE_HTTP_PORT = 8770
#: Audio goes to a page in packets this long (s): Opus's usual frame, short enough that
#: packetising adds at most 20 ms, long enough that a WebSocket frame a listener each 50 times a
#: second is cheap.
STREAM_PACKET = 0.02
#: The codec a page gets when it does not ask (``?codec=opus`` or ``?codec=pcm`` on its address):
#: PCM, measured side by side with Opus (docs/scale.md, "Listening in a browser"): 115 against
#: 204 ms median end to end, a twentieth of the encoding time on serve's loop, and any browser
#: plays it; Opus sends 14 kB/s a listener against PCM's 184, for listeners on a thin link.
STREAM_CODEC = "pcm"
#: Where a listener's packets are encoded: "loop", on the web server's asyncio thread, or
#: "render", in the sink on serve's render loop. Both hold the GIL the render loop needs, so
#: encoding costs that loop either way; side by side (docs/performance.md) the sink took 295
#: against 508 µs a buffer for PCM and 632 against 860 for Opus with the encoders on the loop.
STREAM_ENCODE_ON = "loop"
#: Opus's bit rate (bit/s) for a stereo mix: transparent for music at 128 k.
STREAM_OPUS_BITRATE = 128_000
#: libopus's complexity (0..10): 5 encodes a 20 ms stereo packet in about half the time of 10
#: (~110 against ~220 µs here), the encoder's cost being the stream's largest, at a quality
#: difference that 128 kbit/s hides.
STREAM_OPUS_COMPLEXITY = 5
#: Packets waiting for one page (50 a second): a second's worth. A slower page loses the oldest
#: and the loss is counted (`stream_behind`); the render loop never waits for a page.
STREAM_CLIENT_QUEUE = 50
#: Pages listening to one listener at once, and pages in all; more are refused and counted.
STREAM_CLIENTS_PER_LISTENER = 4
STREAM_CLIENTS = 512
#: What one page may send: messages a second and back to back (the page sends motion at most
#: 20 times a second and orientation as often). Beyond it: dropped and counted (`page_rate`).
STREAM_RATE = 30.0
STREAM_BURST = 30
#: The largest message a page may send (bytes): an input message is under 200.
STREAM_MESSAGE_MAX = 1024
#: Page messages waiting for the render loop (thread-safe, bounded); the excess is dropped and
#: counted (`inbox_full`). The loop takes at most INBOX_TAKE_PER_BUFFER between two buffers.
INBOX_MAX = 4096
INBOX_TAKE_PER_BUFFER = 256
#: A phone's acceleration (without gravity, m/s^2) that counts as full movement (1): walking
#: peaks at ~2-3 m/s^2, a brisk step or a dance at ~5. Movement is the magnitude over this,
#: clamped to 0..1; the score's smoothing of `movement` evens out the shakes.
STREAM_MOTION_FULL = 5.0
#: Standard gravity (m/s^2): subtracted from a device's magnitude when it reports acceleration
#: with gravity only.
GRAVITY = 9.80665
#: Heart rates (BPM) a page may send: a strap's plausible range; outside it, refused, counted.
STREAM_HEARTRATE_RANGE = (25.0, 250.0)
#: How long `serve` waits for its web server's thread to stop (s).
STREAM_STOP_TIMEOUT = 3.0
