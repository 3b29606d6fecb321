"""``python -m demos.wander``: the same as ``python demos/wander/main.py``."""

import sys

from demos.wander.main import main

sys.exit(main())
