"""The labelled development set (``devset.jsonl``) and the generator that writes it."""
