"""The engine: runs the pipeline's stages over pages and tables, on worker
processes, through a store that remembers their results between builds.

It knows the model (pages parse into tables) and the contract of a
per-table render (:mod:`generator.renders`), and nothing of what any target
makes: :mod:`generator.build` hands it the targets' renders.

* :mod:`generator.engine.workers`: ``--jobs``, one task per page or table;
* :mod:`generator.engine.store`: where results are kept (nowhere, or
  ``.dvgen-cache/``);
* :mod:`generator.engine.runner`: the stages, each result looked up in the
  store first;
* :mod:`generator.engine.heap`: keeping the collector off what a build holds.
"""
