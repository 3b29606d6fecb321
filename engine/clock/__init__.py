"""Musical time: bars and beats, tempo, and where quantized changes land."""
