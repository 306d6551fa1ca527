"""dvgen's built-in templates, installed as the package ``generator.templates``.

Not code: this file only makes the folder a package, so that dvgen finds its
templates through the import system however it was installed (see
``generator/resources.py`` and ``[tool.setuptools]`` in ``pyproject.toml``).
"""
