"""Use cases of the payments context, one job per module."""
