"""dvgen: typed bindings from Dataverse table reference pages, offline.

The pipeline, one module per stage: :mod:`generator.parse` (pages to
single-page tables), :mod:`generator.merge` (tables across pages),
:mod:`generator.model` (the contract), :mod:`generator.modelio` (YAML and
JSON Schema), :mod:`generator.output.write` (atomic output), :mod:`generator.build`
(the pipeline as one function) and :mod:`generator.cli`.
"""

__version__ = "0.1.0"
