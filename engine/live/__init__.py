"""The live engine: a score in real time, steered over OSC, answering the game with feedback."""
