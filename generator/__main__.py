"""``python -m generator`` is ``dvgen``."""

from generator.cli import run

run()
