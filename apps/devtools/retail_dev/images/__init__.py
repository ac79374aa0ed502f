"""Container images of the five projects: the engine, the Debian base, the build, the smoke run."""
