"""The greeting the app answers with, in a workspace member of its own."""


def greet(name: str) -> str:
    """A greeting for `name`; an empty name greets the world."""
    return f"hello, {name.strip() or 'world'}"
