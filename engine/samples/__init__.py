"""Recorded sound a score brings: SoundFont presets, folders of recordings, stems and beds.

Everything here is plain data and file reading (soundfile, soxr, sf2utils); nothing imports pyo.
Files are read and converted to the engine's sample rate once, when a score is loaded for
playing (``engine.score.assets``), never in the audio path. ``model.py`` holds what the
instruments in ``engine.dsp`` play from.
"""
