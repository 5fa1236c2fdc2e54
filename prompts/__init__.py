"""Jinja2 templates of what is sent to a model or stands in for its reply: the review prompt
(review_system.j2, review_user.j2) and the template drafts (comment.j2,
opinion_paragraph.j2). Installed as the data package `reviewer.prompts`. The layouts of the
files people read (the opinion pages, the dashboard, the evaluation report) are in
reviewer/templates/."""
