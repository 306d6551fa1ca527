"""``python -m generator`` is ``dvgen``."""

import sys

from generator.cli import main

sys.exit(main())
