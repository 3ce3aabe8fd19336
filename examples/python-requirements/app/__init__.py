"""A plain WSGI app (no framework) served by gunicorn: the shape of a Python project with only requirements.txt."""
