"""hello-api: a Starlette app, the example of a uv workspace that fargate-pipeline deploys."""
