"""FullPicture: the composition root (configuration, wiring and the command line)."""
