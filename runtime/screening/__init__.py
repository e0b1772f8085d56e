"""Fraud screening: a bilingual, explainable, incremental scoring engine.

One pure core (:class:`ScreeningSession`) serves both the runtime, which feeds it final transcript
segments as they arrive, and ``ethiq score``, which replays calls from JSONL files.

Import from the modules (``engine``, ``model``, ``risk``): this package imports nothing, so the
tenant program, which reads a sensitivity (``risk``), does not load the engine and its lexicon.
"""
