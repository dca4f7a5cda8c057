"""The whole system under load and faults: every service as its own process, killed and restarted while
dossiers flow, then checked for what was acknowledged (`make soak`; a short run in `make test`)."""
