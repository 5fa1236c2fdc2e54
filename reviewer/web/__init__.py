"""The reviewer's workbench (`reviewer serve`): a local web page over a batch run directory.

A sibling of batch and evaluation in the layers: it reads the run's state.sqlite through its
documented columns (reviewer/batch/state.py) without importing batch, keeps the reviewer's
decisions in a SQLite file of its own beside it (decisions.sqlite), and exports what was
decided with the drafting layer's one Word writer. Modules:

- run: the run directory read-only: the form list (SQL, paged), one form's stored review;
- decisions: the decisions store (schema versions by reviewer.migrations);
- decided: a form's suggestions with the decisions applied: decided scores, total, opinion;
- export: the decided opinions as .docx, the decided vs suggested scores as .xlsx;
- learning: decisions as human-reviewed forms for calibration, agreement per check;
- pages: the request handlers, free of the web framework;
- asgi: the Starlette app around them (the extra `web`, imported only when serving);
- security: the token and the CSRF guard.
"""
