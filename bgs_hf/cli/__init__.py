"""Command-line interface: `bgs-hf <command>`; one module per command."""
