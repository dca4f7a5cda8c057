"""What `make test` brings before the suite runs, the same on a laptop and in CI."""
