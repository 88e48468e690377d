"""tfc command-line tools: `tfc` and `tfc-opt`."""
