"""The `votecrypt` command line (installed as the `votecrypt_cli` package)."""
