"""OSC over UDP: receiving state messages for the engine (sending feedback comes next)."""
