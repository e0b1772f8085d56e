"""The engine smoke program and its dynamic provider."""
