"""A small web service whose one dependency comes from a private package index."""
