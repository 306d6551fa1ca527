"""``python -m generator`` is ``dvgen``."""

from generator.entry import run

run()
