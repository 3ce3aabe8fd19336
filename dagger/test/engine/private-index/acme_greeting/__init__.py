"""acme-greeting: the private package of the private-dependency example (served by index.py)."""

__version__ = "1.0.0"


def greet(name: str) -> str:
    """The greeting the example app answers with."""
    return f"Hello, {name}, from acme-greeting {__version__}"
