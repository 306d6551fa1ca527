"""The output folder: what dvgen may touch there and how it changes it.

* :mod:`~generator.output.write`: the atomic commit (stage beside, swap in);
* :mod:`~generator.output.carry`: a user's entries carried through a swap;
* :mod:`~generator.output.lock`: one build at a time per folder;
* :mod:`~generator.output.check`: ``build --check``, comparing instead of writing;
* :mod:`~generator.output.stamp`: the quick ``build --check`` with nothing to do;
* :mod:`~generator.output.filenames`: names no file may have.
"""
