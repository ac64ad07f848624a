"""The exercises by topic, one module each; each registers its exercises with ``labkit.exercises.catalog.register``."""
