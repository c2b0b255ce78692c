"""Dutch precedent search for council questions and the college's answers."""

__version__ = "0.1.0"
