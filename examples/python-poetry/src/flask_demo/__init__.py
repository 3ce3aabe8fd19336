"""A small Flask web app: the example that fargate-pipeline deploys a Python app managed with poetry."""

from flask_demo.app import create_app

__all__ = ["create_app"]
