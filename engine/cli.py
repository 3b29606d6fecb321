"""The ``soundscape`` command: play scores live over OSC, render them to WAV, validate them.

soundscape play SCORE [--audio portaudio|jack|dummy] [--port 9000] [--record FILE.wav] ...
soundscape render [SCORE] --out FILE.wav --duration SECONDS [--timeline FILE] [--seed N]
soundscape plot SESSION.jsonl SCORE --out OUT.png [--seed N]
soundscape curves SCORE --out curves.png
soundscape demo [--engine HOST:PORT] [--sliders] [--autopilot SECONDS]
soundscape bench [--quick] [--only SECTIONS] [--json FILE]
soundscape record --port P --out SESSION.jsonl
soundscape validate SCORE...
soundscape schema [--out FILE] [--update-docs]
soundscape send ADDRESS [ARG...] [--host H] [--port P]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from engine import defaults
from engine.bundled import DEFAULT_SCORE, demo_timeline, resolve_score
from engine.errors import ScoreError, SoundscapeError, TimelineError

if TYPE_CHECKING:
    from engine.score.model import Score

#: Exit status of ``play`` (and ``demo``) when the session ran but a file it was writing failed
#: (the music played on; the message and ``--summary`` say which file and why). 2 is an error
#: that stopped the command (a SoundscapeError), before or instead of its work.
EXIT_WRITE_FAILED = 3

DEFAULT_TIMELINE = demo_timeline(DEFAULT_SCORE)
#: The pygame demo game (a separate process that talks to the engine over OSC only); it ships
#: in the package beside ``engine``.
DEMO_GAME = "demos.wander"
#: The checkout the package was installed from, if it was (the benchmarks live there).
CHECKOUT = Path(__file__).resolve().parent.parent
#: The checked-in JSON Schema and the doc whose field reference is generated (``schema
#: --update-docs``; tests/score/test_format.py fails when either is stale).
SCHEMA_DOC = "docs/soundscape.schema.json"
REFERENCE_DOC = "docs/score-format.md"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    if argv[:1] == ["bench"]:  # everything after it is the benchmarks' own options
        args = argparse.Namespace(run=_bench, rest=argv[1:])
    else:
        args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except (ScoreError, TimelineError) as exc:  # a bad file: 1, as validate says (usage: 2)
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SoundscapeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soundscape", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    render = sub.add_parser("render", help="render a score to a WAV file, offline")
    render.add_argument(
        "score",
        nargs="?",
        default=None,
        help=f"score file (default: {DEFAULT_SCORE.name} with its demo timeline)",
    )
    render.add_argument("--out", default="soundscape.wav", help="output WAV (default: %(default)s)")
    render.add_argument(
        "--duration",
        type=positive_seconds,
        default=None,
        help="seconds (default: a recorded timeline's length, else 60)",
    )
    render.add_argument("--timeline", help="JSON Lines of timed OSC messages to apply")
    render.add_argument("--seed", type=seed_value, help="random seed (default: the score's)")
    render.add_argument("--sr", type=int, default=48000, choices=(44100, 48000, 96000))
    render.add_argument("--buffer", type=int, default=256, choices=(64, 128, 256, 512, 1024))
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.add_argument(
        "--midi",
        type=Path,
        metavar="OUT.mid",
        help="also write every note played as a MIDI file (a track per layer, the tempo map)",
    )
    render.add_argument(
        "--plot",
        type=Path,
        metavar="OUT.png",
        help="also draw the render: inputs, tempo and key, scenes, layer gains, stingers and "
        "events, loudness (docs/plots.md)",
    )
    render.add_argument(
        "--body-plot",
        type=Path,
        metavar="OUT.png",
        help="also draw the listener's heart: readings, baseline, watchdog, heartrate.relative "
        "(docs/listener.md)",
    )
    _soundfont_option(render)
    _comfort_option(render)
    _spatial_option(render)
    render.set_defaults(run=_render)

    plot = sub.add_parser(
        "plot", help="render a session (a timeline) offline and draw what the engine did"
    )
    plot.add_argument("session", metavar="SESSION.jsonl", help="a timeline or --record-osc log")
    plot.add_argument("score", help="the score it was played on")
    plot.add_argument("--out", type=Path, required=True, metavar="OUT.png")
    plot.add_argument(
        "--duration",
        type=positive_seconds,
        help="seconds (default: a recorded session's length, else its last message + 10)",
    )
    plot.add_argument("--seed", type=seed_value, help="random seed (default: the score's)")
    plot.add_argument("--sr", type=int, default=48000, choices=(44100, 48000, 96000))
    plot.add_argument("--buffer", type=int, default=256, choices=(64, 128, 256, 512, 1024))
    plot.add_argument("--wav", type=Path, metavar="OUT.wav", help="keep the rendered audio")
    plot.add_argument("--quiet", action="store_true", help="no progress bar")
    _soundfont_option(plot)
    plot.set_defaults(run=_plot)

    curves = sub.add_parser("curves", help="draw every mapping curve of a score (input → param)")
    curves.add_argument("score")
    curves.add_argument("--out", type=Path, required=True, metavar="OUT.png")
    _soundfont_option(curves)
    curves.set_defaults(run=_curves)

    play = sub.add_parser("play", help="play a score in real time, steered over OSC")
    play.add_argument(
        "score",
        nargs="?",
        default=str(DEFAULT_SCORE),
        help=f"score file (default: {DEFAULT_SCORE.name})",
    )
    play.add_argument(
        "--audio",
        choices=("portaudio", "jack", "dummy"),
        help="portaudio: the sound card (default when there is one); jack: a "
        "running JACK server; dummy: a private JACK server with no sound card",
    )
    play.add_argument("--jack-server", help="--audio jack: the server's name (default: default)")
    play.add_argument("--sr", type=int, default=48000, choices=(44100, 48000, 96000))
    play.add_argument("--buffer", type=int, default=256, choices=(64, 128, 256, 512, 1024))
    play.add_argument("--seed", type=seed_value, help="random seed (default: the score's)")
    play.add_argument(
        "--host", default="127.0.0.1", help="address to receive OSC on (default: loopback only)"
    )
    play.add_argument(
        "--port", type=listen_port, default=9000, help="UDP port (default: 9000; 0: any free one)"
    )
    _allow_option(play)
    play.add_argument(
        "--subscription-ttl",
        type=float,
        default=defaults.SUBSCRIPTION_TTL,
        metavar="SECONDS",
        help="a subscription ends unless renewed within this (default: %(default)s; the "
        f"bundled clients renew every {defaults.SUBSCRIPTION_RENEW:g} s)",
    )
    play.add_argument(
        "--feedback",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="send /engine/beat, /engine/scene, ... there (repeatable)",
    )
    play.add_argument(
        "--feedback-ahead",
        type=float,
        default=defaults.FEEDBACK_AHEAD * 1000,
        metavar="MS",
        help="send beats, scene changes, stingers and keys this long before they are heard, "
        "as OSC bundles time-tagged with that moment (default: %(default)g; at most "
        f"{defaults.BAR_LEAD * 1000:g}; 0: un-bundled, when computed)",
    )
    play.add_argument(
        "--output-latency",
        type=float,
        metavar="MS",
        help="the device's output latency the time tags add (default: JACK's playback latency, "
        f"else {defaults.OUTPUT_LATENCY_BUFFERS} buffers)",
    )
    play.add_argument("--record", type=Path, metavar="FILE.wav", help="write what is played")
    play.add_argument(
        "--record-osc",
        type=Path,
        metavar="FILE.jsonl",
        help="log applied messages, sample-stamped, for an exact offline replay",
    )
    play.add_argument(
        "--record-midi",
        type=Path,
        metavar="FILE.mid",
        help="write every note played as MIDI when the session ends (a track per layer)",
    )
    play.add_argument(
        "--oscquery",
        type=listen_port,
        metavar="PORT",
        help="serve the address space over OSCQuery (HTTP JSON on --host:PORT, mDNS) for "
        "Chataigne, ossia score, VRChat; 0: any free port",
    )
    play.add_argument("--duration", type=positive_seconds, help="stop after this many seconds")
    play.add_argument(
        "--summary",
        type=Path,
        metavar="FILE.json",
        help="write the session's counters and final state on exit",
    )
    play.add_argument(
        "--watch",
        action="store_true",
        help="reload the score when it or its files change: the edit plays from the next bar"
        " line, and a broken edit keeps the last good score playing (/engine/reload does it"
        " on demand, with or without this)",
    )
    play.add_argument(
        "--baselines",
        type=Path,
        metavar="FILE.json",
        help="listeners' resting heart rates by seed: read at start, written at stop "
        "(docs/listener.md)",
    )
    play.add_argument("--quiet", action="store_true", help="no status view")
    _comfort_option(play)
    play.add_argument(
        "--console",
        type=listen_port,
        nargs="?",
        const=defaults.CONSOLE_PORT,
        metavar="PORT",
        help=f"serve a browser console on 127.0.0.1:PORT (default {defaults.CONSOLE_PORT}; "
        "0: any free port), steering the engine over OSC (docs/console.md)",
    )
    _soundfont_option(play)
    _spatial_option(play)
    play.set_defaults(run=_play)

    serve = sub.add_parser(
        "serve", help="perform a score for many listeners at once, each their own (docs/scale.md)"
    )
    serve.add_argument(
        "score",
        nargs="?",
        default=str(DEFAULT_SCORE),
        help=f"score file (default: {DEFAULT_SCORE.name})",
    )
    serve.add_argument(
        "--listeners",
        type=listener_count,
        default=defaults.SERVE_LISTENERS,
        metavar="N",
        help=f"listener engines, ids 1..N (default: {defaults.SERVE_LISTENERS}; at most "
        f"{defaults.SERVE_LISTENERS_MAX})",
    )
    serve.add_argument("--sr", type=int, default=48000, choices=(44100, 48000, 96000))
    serve.add_argument("--buffer", type=int, default=256, choices=(64, 128, 256, 512, 1024))
    serve.add_argument(
        "--seed", type=seed_value, help="the performance's seed (default: the score's)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to receive OSC on (default: loopback only)"
    )
    serve.add_argument(
        "--port", type=listen_port, default=9000, help="UDP port (default: 9000; 0: any free one)"
    )
    _allow_option(serve)
    serve.add_argument(
        "--record-dir",
        type=Path,
        metavar="DIR",
        help="write each listener's own mix to DIR/listener-ID.wav",
    )
    serve.add_argument(
        "--duration", type=float, metavar="S", help="stop after S seconds (default: until Ctrl-C)"
    )
    serve.add_argument("--summary", type=Path, metavar="FILE.json", help="write a summary at exit")
    serve.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="listener engines as Ray actors spread over a cluster, restarted when they die: "
        "auto (a running cluster), HOST:PORT, or local (start one here); pip install "
        "'.[cluster]' (docs/scale.md)",
    )
    serve.add_argument(
        "--listeners-per-actor",
        type=listeners_per_actor,
        default=defaults.RAY_LISTENERS_PER_ACTOR,
        metavar="K",
        help="with --ray: listener engines each Ray actor hosts, K at a time in order (default: "
        f"{defaults.RAY_LISTENERS_PER_ACTOR}; they share the process's memory and one CPU)",
    )
    serve.add_argument(
        "--http",
        type=listen_port,
        nargs="?",
        const=defaults.SERVE_HTTP_PORT,
        metavar="PORT",
        help=f"serve each listener's page on --host:PORT (default {defaults.SERVE_HTTP_PORT}; 0: "
        "any free port): their own stream in a browser, the device's motion back (docs/scale.md)",
    )
    _soundfont_option(serve)
    _spatial_option(serve)
    serve.set_defaults(run=_serve)

    demo = sub.add_parser("demo", help="the pygame demo: walk a small world, hear it follow")
    demo.add_argument(
        "score",
        nargs="?",
        default=str(DEFAULT_SCORE),
        help=f"score file (default: {DEFAULT_SCORE.name})",
    )
    demo.add_argument(
        "--engine",
        metavar="HOST:PORT",
        help="attach to an engine that is already playing instead of starting one",
    )
    demo.add_argument(
        "--audio",
        choices=("portaudio", "jack", "dummy"),
        help="as for play (default: the sound card)",
    )
    demo.add_argument("--port", type=udp_port, default=9000, help="the engine's UDP port")
    demo.add_argument(
        "--sliders",
        action="store_true",
        help="a parameter panel (a slider per input, a button per scene and event) "
        "instead of the game",
    )
    demo.add_argument(
        "--autopilot",
        type=positive_seconds,
        metavar="SECONDS",
        help="walk a scripted route through every zone, then quit",
    )
    demo.add_argument("--screenshot", type=Path, metavar="FILE.png", help="save the window")
    demo.add_argument("--record", type=Path, metavar="FILE.wav", help="write what is played")
    _soundfont_option(demo)
    demo.set_defaults(run=_demo)

    sub.add_parser("bench", help="run the benchmarks: soundscape bench --help")

    record = sub.add_parser("record", help="log incoming OSC to a timeline file (no audio)")
    record.add_argument("--host", default="127.0.0.1")
    record.add_argument("--port", type=listen_port, default=9000)
    _allow_option(record)
    record.add_argument("--out", type=Path, required=True, metavar="SESSION.jsonl")
    record.add_argument("--duration", type=positive_seconds, help="stop after this many seconds")
    record.set_defaults(run=_record)

    validate = sub.add_parser("validate", help="check score files; exit 1 on errors")
    validate.add_argument("scores", nargs="+")
    _soundfont_option(validate)
    validate.set_defaults(run=_validate)

    schema = sub.add_parser(
        "schema",
        help="print the score format's JSON Schema (for editors); see docs/score-format.md",
    )
    schema.add_argument("--out", type=Path, metavar="FILE.json", help="write it here instead")
    schema.add_argument(
        "--update-docs",
        action="store_true",
        help=f"rewrite {SCHEMA_DOC} and the field reference in {REFERENCE_DOC} (in a checkout)",
    )
    schema.set_defaults(run=_schema)

    send = sub.add_parser("send", help="send one OSC message over UDP (for scripts and testing)")
    send.add_argument("address", help="e.g. /state/heartrate")
    send.add_argument(
        "args",
        nargs="*",
        help="numbers become ints or floats, true/false bools, anything else a string",
    )
    send.add_argument("--host", default="127.0.0.1")
    send.add_argument("--port", type=udp_port, default=9000)
    send.set_defaults(run=_send)
    return parser


def _comfort_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--comfort",
        choices=tuple(defaults.COMFORT_PRESETS),
        help="a comfort budget: cap how fast gains, parameters, loudness and tempo move, "
        "instead of the score's own `comfort:` (docs/comfort.md)",
    )


def _with_comfort(score: Score, args: argparse.Namespace) -> Score:
    """``score`` with ``--comfort``'s preset as its comfort budget, if one was given."""
    from dataclasses import replace

    from engine.score.model import ComfortSpec

    if getattr(args, "comfort", None) is None:
        return score
    return replace(score, comfort=ComfortSpec.preset(args.comfort))


def _render(args: argparse.Namespace) -> int:
    from engine.catalog import default_catalog
    from engine.render.midirecord import MidiRecorder
    from engine.render.offline import render
    from engine.render.outputs import OutputError, check_output
    from engine.score.loader import load_score
    from engine.state.timeline import load_timeline, recorded_length

    score_path = resolve_score(args.score) if args.score else DEFAULT_SCORE
    timeline_path = args.timeline
    if args.score is None and timeline_path is None and DEFAULT_TIMELINE.exists():
        timeline_path = str(DEFAULT_TIMELINE)
    if args.duration is None:
        args.duration = (recorded_length(timeline_path) if timeline_path else None) or 60.0
    if args.duration <= 0 or args.duration > 24 * 3600:
        raise SoundscapeError("--duration must be between 0 and 86400 seconds")
    score = _with_comfort(load_score(score_path, default_catalog(), args.soundfont), args)
    timeline = load_timeline(timeline_path) if timeline_path else []
    progress = None if args.quiet or not sys.stderr.isatty() else _progress_bar
    recorder = None
    if args.midi is not None:
        check_output(args.midi)
        recorder = MidiRecorder(score, args.sr)
    tracer = None
    if args.plot is not None:
        from engine.render.trace import Tracer

        check_output(args.plot)
        tracer = Tracer(score, sr=args.sr, buffersize=args.buffer, seconds=args.duration)
    body = None
    if args.body_plot is not None:
        from engine.render.bodytrace import BodyTracer

        check_output(args.body_plot)
        body = BodyTracer(score.title, sr=args.sr, buffersize=args.buffer, seconds=args.duration)
    result = render(
        score,
        args.out,
        args.duration,
        seed=args.seed,
        timeline=timeline,
        sr=args.sr,
        buffersize=args.buffer,
        progress=progress,
        observer=recorder.observe if recorder is not None else None,
        listeners=[recorder.take] if recorder is not None else [],
        attach=[t.attach for t in (tracer, body) if t is not None],
        spatial=args.spatial,
    )
    dropped = sum(result.dropped.values())
    print(
        f"{result.path}: {result.seconds:.1f} s of {score.title} in {result.wall:.1f} s "
        f"({result.speed:.0f}x real time)" + (f", {dropped} messages dropped" if dropped else "")
    )
    if result.samples is not None and result.samples.sets:
        print(result.samples.describe())
    if recorder is not None:
        try:
            parts = recorder.write(args.midi)
        except OSError as exc:
            raise OutputError(
                args.midi, f"it could not be written ({exc.strerror or exc})"
            ) from None
        notes = sum(len(part.notes) for part in parts)
        print(f"{args.midi}: {notes} notes on {len(parts)} tracks, with the tempo map")
        if recorder.dropped:
            print(
                f"{args.midi}: holds the render up to its cap of {recorder.limit} events; "
                f"{recorder.dropped} later notes are not in it",
                file=sys.stderr,
            )
    if tracer is not None:
        from engine.plots.session import write_plot

        seed = score.seed if args.seed is None else args.seed
        where = Path(timeline_path).name if timeline_path else "no timeline"
        write_plot(tracer.result(), result.path, args.plot, subtitle=f"{where}, seed {seed}")
        print(f"{args.plot}: plot of {result.seconds:.1f} s")
    if body is not None:
        from engine.plots.session import write_body_plot

        write_body_plot(body.trace(), args.body_plot)
        print(f"{args.body_plot}: the listener's heart over {result.seconds:.1f} s")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from engine.catalog import default_catalog
    from engine.plots.session import plot_session
    from engine.render.outputs import check_output
    from engine.score.loader import load_score
    from engine.state.timeline import load_timeline, recorded_length

    check_output(args.out)
    if args.wav is not None:
        check_output(args.wav)
    timeline = load_timeline(args.session)
    duration = args.duration or recorded_length(args.session)
    if duration is None:
        duration = max((m.time for m in timeline), default=0.0) + 10.0
    score = load_score(resolve_score(args.score), default_catalog(), args.soundfont)
    seed = score.seed if args.seed is None else args.seed
    result = plot_session(
        score,
        timeline,
        args.out,
        duration,
        seed=seed,
        sr=args.sr,
        buffersize=args.buffer,
        wav=args.wav,
        progress=None if args.quiet or not sys.stderr.isatty() else _progress_bar,
        subtitle=f"{Path(args.session).name}, seed {seed}",
    )
    trace = result.trace
    print(
        f"{args.out}: {trace.seconds:.1f} s of {score.title}: "
        f"{len(trace.scenes) - 1} scene changes, {len(trace.stingers)} stingers, "
        f"{len(trace.events)} events" + (f"; {args.wav} kept" if args.wav is not None else "")
    )
    return 0


def _curves(args: argparse.Namespace) -> int:
    from engine.catalog import default_catalog
    from engine.plots.session import write_curves
    from engine.score.loader import load_score

    score = load_score(resolve_score(args.score), default_catalog(), args.soundfont)
    count = write_curves(score, args.out)
    print(f"{args.out}: {count} mappings of {score.title}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from engine.catalog import default_catalog
    from engine.ensemble.serve import ServeOptions, serve
    from engine.live.player import write_summary
    from engine.osc.allow import Allowlist
    from engine.render.outputs import check_output
    from engine.score.loader import load_score

    if args.listeners > defaults.SERVE_LISTENERS_MAX and args.ray is None:
        raise SoundscapeError(
            f"--listeners {args.listeners}: one process takes at most "
            f"{defaults.SERVE_LISTENERS_MAX}; spread more over machines with --ray"
        )
    if args.summary is not None:
        check_output(args.summary)
    score = load_score(resolve_score(args.score), default_catalog(), args.soundfont)
    options = ServeOptions(
        listeners=args.listeners,
        sr=args.sr,
        buffersize=args.buffer,
        seed=args.seed,
        host=args.host,
        port=args.port,
        allow=Allowlist(args.allow),
        duration=args.duration,
        record_dir=args.record_dir,
        spatial=args.spatial,
        ray=args.ray,
        per_actor=args.listeners_per_actor,
        http=args.http,
    )
    summary = serve(score, options, ready=lambda line: print(line, flush=True))
    print(
        f"served {len(summary['listeners'])} listeners for {summary['seconds']:.1f} s: "
        f"{summary['late']} late buffers, load {summary['load']:.2f} of real time, "
        f"{summary['received']} messages, dropped {summary['dropped'] or 'none'}",
        flush=True,
    )
    if args.summary is not None:
        write_summary(summary, args.summary)
    return 0


def _play(args: argparse.Namespace) -> int:
    from engine.catalog import default_catalog
    from engine.live.player import AUDIO_FAILED, PlayOptions, play, write_summary
    from engine.osc.allow import Allowlist
    from engine.render.outputs import check_output, describe
    from engine.score.loader import load_score

    if args.duration is not None and args.duration <= 0:
        raise SoundscapeError("--duration must be more than 0 seconds")
    if args.subscription_ttl <= 0:
        raise SoundscapeError("--subscription-ttl must be more than 0 seconds")
    if not 0 <= args.feedback_ahead <= defaults.BAR_LEAD * 1000:
        raise SoundscapeError(
            f"--feedback-ahead must be 0 to {defaults.BAR_LEAD * 1000:g} ms "
            f"(a bar is decided {defaults.BAR_LEAD * 1000:g} ms before its line)"
        )
    if args.output_latency is not None and not 0 <= args.output_latency <= 1000:
        raise SoundscapeError("--output-latency must be 0 to 1000 ms")
    if args.summary is not None:
        check_output(args.summary)
    score = _with_comfort(
        load_score(resolve_score(args.score), default_catalog(), args.soundfont), args
    )
    options = PlayOptions(
        audio=args.audio,
        sr=args.sr,
        buffersize=args.buffer,
        seed=args.seed,
        host=args.host,
        port=args.port,
        feedback=[_host_port(text) for text in args.feedback],
        allow=Allowlist(args.allow),
        subscription_ttl=args.subscription_ttl,
        record=args.record,
        record_osc=args.record_osc,
        record_midi=args.record_midi,
        duration=args.duration,
        jack_server=args.jack_server,
        score_file=args.score,
        watch=args.watch,
        comfort=args.comfort,
        soundfonts=tuple(str(path) for path in args.soundfont or ()),
        oscquery=args.oscquery,
        console=args.console,
        score_path=resolve_score(args.score),
        feedback_ahead=args.feedback_ahead / 1000,
        output_latency=None if args.output_latency is None else args.output_latency / 1000,
        baselines=args.baselines,
        spatial=args.spatial,
    )
    view = None
    if not args.quiet and sys.stdout.isatty():
        from engine.live.status import StatusView

        view = StatusView(score.title)
    try:
        summary = play(score, options, status=view, ready=lambda line: print(line, flush=True))
    finally:
        if view is not None:
            view.close()
    failed = [
        f"cannot write {r['path']}: {r['error']} (it keeps {r['seconds']:.1f} s of the session)"
        for r in summary["recordings"]
        if not r["ok"]
    ]
    if summary.get("baselines_error"):
        failed.append(summary["baselines_error"])
    if args.summary is not None:
        try:
            write_summary(summary, args.summary)
        except OSError as exc:
            failed.append(f"cannot write {args.summary}: {describe(exc)}")
    xruns = "n/a" if summary["xruns"] is None else summary["xruns"]
    print(
        f"played {summary['seconds']:.1f} s: {summary['received']} messages received, "
        f"{summary['accepted']} accepted, {sum(summary['dropped'].values())} dropped, "
        f"{xruns} xruns",
        flush=True,
    )
    for message in failed:
        print(f"error: {message}", file=sys.stderr)
    if summary["audio_failure"] is not None:
        print(
            f"error: {summary['audio_failure']}; {summary['seconds']:.1f} s played", file=sys.stderr
        )
        return AUDIO_FAILED
    return EXIT_WRITE_FAILED if failed else 0


def _demo(args: argparse.Namespace) -> int:
    import importlib.util
    import subprocess

    if importlib.util.find_spec(DEMO_GAME) is None:
        raise SoundscapeError(
            f"the demo game ({DEMO_GAME}) is not installed: reinstall the package "
            "(pip install '.[demo]' from the checkout)"
        )
    if importlib.util.find_spec("pygame") is None:  # the game's process needs it: say so now
        raise SoundscapeError(
            "the demo needs pygame: pip install pygame (from the checkout: pip install '.[demo]')"
        )
    score_path = resolve_score(args.score)
    command = [sys.executable, "-m", DEMO_GAME, "--score", str(score_path)]
    if args.sliders:
        command.append("--sliders")
    if args.autopilot is not None:
        command += ["--autopilot", str(args.autopilot)]
    if args.screenshot is not None:
        command += ["--screenshot", str(args.screenshot)]
    if args.engine is not None:  # attach: the game is the whole job
        return subprocess.run([*command, "--engine", args.engine]).returncode

    from engine.catalog import default_catalog
    from engine.live.player import PlayOptions, play
    from engine.score.loader import load_score

    score = _with_comfort(
        load_score(resolve_score(args.score), default_catalog(), args.soundfont), args
    )
    options = PlayOptions(
        audio=args.audio, port=args.port, record=args.record, score_file=args.score
    )
    game: list[subprocess.Popen[bytes]] = []

    def start_game(line: str) -> None:
        print(line, flush=True)
        if line.startswith("listening on"):
            game.append(subprocess.Popen([*command, "--engine", f"127.0.0.1:{args.port}"]))

    summary = play(
        score, options, ready=start_game, keep_playing=lambda: bool(game) and game[0].poll() is None
    )
    code = game[0].wait() if game else 1
    print(f"played {summary['seconds']:.1f} s; the game exited with status {code}", flush=True)
    if code == 0 and any(not r["ok"] for r in summary["recordings"]):
        return EXIT_WRITE_FAILED  # what went wrong was said when it happened
    return code


def _bench(args: argparse.Namespace) -> int:
    import subprocess

    root = CHECKOUT
    if not (root / "benchmarks" / "__main__.py").exists():
        raise SoundscapeError("the benchmarks ship with the source checkout, not the package")
    return subprocess.run([sys.executable, "-m", "benchmarks", *args.rest], cwd=root).returncode


def _record(args: argparse.Namespace) -> int:
    from engine.live.recorder import record
    from engine.osc.allow import Allowlist

    count = record(
        args.out,
        host=args.host,
        port=args.port,
        duration=args.duration,
        ready=lambda line: print(line, flush=True),
        allow=Allowlist(args.allow),
    )
    print(f"{args.out}: {count} messages", flush=True)
    return 0


def _allow_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--allow",
        nargs="+",
        action="extend",
        default=[],
        metavar="CIDR",
        help="networks that may send (and receive replies), e.g. 192.168.1.0/24; required "
        "with a --host beyond loopback; this machine is always allowed",
    )


def _spatial_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--spatial",
        choices=defaults.SPATIAL_MODES,
        default=defaults.SPATIAL_MODE,
        help="how layers and stingers with a `position` sound: stereo pans by bearing, binaural "
        "renders for headphones (HRTF), off pans them as `pan` says; layers without one sound "
        "the same in every mode (default: %(default)s; docs/spatial.md)",
    )


def _soundfont_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--soundfont",
        action="append",
        default=[],
        metavar="PATH",
        help="a SoundFont file (used for any the score names that is not next to it) or a "
        "folder to look in first (repeatable; then $SOUNDSCAPE_SOUNDFONTS, "
        "/usr/share/sounds/sf2, /usr/share/soundfonts)",
    )


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SoundscapeError(f"--feedback wants HOST:PORT, e.g. 127.0.0.1:9001 (got {text!r})")
    return ("127.0.0.1" if host == "localhost" else host), int(port)


def _validate(args: argparse.Namespace) -> int:
    """Check every file named, even after a broken one; exit 1 if any failed."""
    from engine.catalog import default_catalog
    from engine.score.loader import load_score

    catalog = default_catalog()
    failures = 0
    for path in args.scores:
        try:
            score = load_score(resolve_score(path), catalog, args.soundfont)
        except ScoreError as exc:
            failures += 1
            print(exc, file=sys.stderr)
        else:
            print(
                f"{path}: ok ({len(score.layers)} layers, {len(score.scenes)} scenes, "
                f"{len(score.stingers)} stingers)"
            )
    return 1 if failures else 0


def _schema(args: argparse.Namespace) -> int:
    """Print (or write) the JSON Schema; ``--update-docs`` regenerates the checked-in copies."""
    from engine.catalog import default_catalog
    from engine.score.reference import update_reference
    from engine.score.schema import schema_text

    text = schema_text(default_catalog())
    if args.update_docs:
        doc = CHECKOUT / REFERENCE_DOC
        _write(CHECKOUT / SCHEMA_DOC, text)
        _write(doc, update_reference(doc.read_text(encoding="utf-8")))
        print(f"wrote {CHECKOUT / SCHEMA_DOC} and the field reference in {doc}")
    elif args.out is not None:
        _write(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except OSError as exc:
            raise SoundscapeError(f"could not write the schema: {exc.strerror or exc}") from None
    return 0


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SoundscapeError(f"could not write {path}: {exc.strerror or exc}") from None


def _send(args: argparse.Namespace) -> int:
    from pythonosc.udp_client import SimpleUDPClient

    if not args.address.startswith("/"):
        raise SoundscapeError(f"{args.address!r} is not an OSC address (it starts with '/')")
    values = [osc_value(a) for a in args.args]
    try:
        SimpleUDPClient(args.host, args.port).send_message(args.address, values)
    except OSError as exc:  # an unknown host, a message too big for one datagram ...
        raise SoundscapeError(
            f"cannot send to {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    return 0


def osc_value(text: str) -> int | float | bool | str:
    """A command-line word as an OSC argument: int, float, bool, else the string itself."""
    if text in ("true", "false"):
        return text == "true"
    try:
        value = int(text)
    except ValueError:  # not an int, or more digits than Python converts
        pass
    else:
        if not -(2**63) <= value < 2**63:
            raise SoundscapeError(f"{text[:20]}... does not fit OSC's 64-bit integers")
        return value
    try:
        return float(text)
    except ValueError:
        return text


# -- argument types: a bad value is a usage error (exit 2) that names the option --------------
def udp_port(text: str) -> int:
    """A UDP port to send to, 1..65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1..65535 (got {text[:20]!r})")
    return value


def listen_port(text: str) -> int:
    """A UDP port to listen on: 1..65535, or 0 for any free one (the ready line says which)."""
    return 0 if text.strip() == "0" else udp_port(text)


def positive_seconds(text: str) -> float:
    """A duration: a finite number of seconds, more than 0, at most a day."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= defaults.MAX_SECONDS:  # also false for NaN
        raise argparse.ArgumentTypeError(
            f"seconds must be more than 0 and at most {defaults.MAX_SECONDS:g} (got {text[:20]!r})"
        )
    return value


def _whole(text: str, low: int, high: int, what: str) -> int:
    """A whole number from ``low`` to ``high``, or an argparse error naming ``what`` it counts."""
    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:20]!r} is not a whole number") from None
    if not low <= count <= high:
        raise argparse.ArgumentTypeError(f"{count}: {low} to {what}")
    return count


def listener_count(text: str) -> int:
    """serve --listeners: a process takes SERVE_LISTENERS_MAX, a Ray cluster RAY_LISTENERS_MAX
    (``_serve`` says so when a process is asked for more)."""
    return _whole(
        text,
        1,
        defaults.RAY_LISTENERS_MAX,
        f"{defaults.SERVE_LISTENERS_MAX} listeners in one process, "
        f"{defaults.RAY_LISTENERS_MAX} with --ray",
    )


def listeners_per_actor(text: str) -> int:
    """serve --listeners-per-actor: 1..RAY_LISTENERS_PER_ACTOR_MAX listener engines an actor."""
    return _whole(
        text,
        1,
        defaults.RAY_LISTENERS_PER_ACTOR_MAX,
        f"{defaults.RAY_LISTENERS_PER_ACTOR_MAX} listeners per actor",
    )


def seed_value(text: str) -> int:
    """A random seed, 0..2**31-1 (what a score's ``seed`` takes)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**31:
        raise argparse.ArgumentTypeError(f"a seed is 0..{2**31 - 1} (got {text[:20]!r})")
    return value


def _progress_bar(done: int, total: int) -> None:
    width = 40
    filled = width * done // total
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * done // total:3d}%")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
