"""The web face: FastAPI routes over the same core the command line uses."""
