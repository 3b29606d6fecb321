"""Running the engine: the buffer step, and the offline renderer."""
