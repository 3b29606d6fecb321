"""Many listeners, one piece: listener engines that share the form and differ in everything
else (docs/scale.md)."""
