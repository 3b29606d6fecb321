"""The real catalogue of what scores may name, built from the instruments in ``engine.dsp``."""

from __future__ import annotations

from functools import cache

from engine.score.catalog import Catalog, ParamRange


@cache
def default_catalog() -> Catalog:
    from engine.dsp.instruments import INSTRUMENTS

    return Catalog(
        instruments={
            name: {
                p: ParamRange(spec.min, spec.max, spec.default) for p, spec in cls.PARAMS.items()
            }
            for name, cls in INSTRUMENTS.items()
        }
    )
