"""Retrieval quality on the shared corpus: metrics, labelled tasks, the runner and its report."""
