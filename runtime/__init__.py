"""Runtime: the worker pool and the job registry. Knows no page and no Keras (docs/ARCHITECTURE.md)."""
