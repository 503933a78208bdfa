"""The `tracegraph` command: thin Typer commands over the library; all rendering lives here."""
