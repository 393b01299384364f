"""One module per command; each builds its result and hands it to a renderer."""
