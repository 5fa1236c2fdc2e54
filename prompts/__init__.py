"""Jinja2 templates: the review prompt (review_system.j2, review_user.j2), the template
comments and the opinion layouts. Installed as the data package `reviewer.prompts`."""
