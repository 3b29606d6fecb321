"""Everything that makes sound.

The only package that imports pyo (through :mod:`engine.dsp.pyolib`).
"""
