"""The player's state: inputs, their smoothing, and how messages reach them."""
