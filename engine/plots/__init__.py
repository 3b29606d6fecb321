"""Plots of a render and of a score: ``soundscape plot``, ``render --plot`` and ``curves``.

``session.py`` renders (through ``engine.render``, with a :class:`~engine.render.trace.Tracer`
watching) and measures; ``mappings.py`` lists a score's curves as data; ``draw.py`` is the only
module that imports matplotlib. docs/plots.md shows what they draw.
"""
