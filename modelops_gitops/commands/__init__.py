"""One verb per module. Each takes typed arguments, writes its output, returns an exit code."""
