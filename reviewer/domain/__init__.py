"""The domain layer: what a form is and the rules about it, importing nothing else of reviewer's.

- `model`: the extracted form (never corrected) and its JSON contract;
- `values`: parsing a written target or actual value;
- `vocabulary`: what forms call things (level names, labels), as data;
- `reasons`: the reason categories of a cut, and how a human remark is read as one;
- `blinding`: `blind(form)`, the form as if nobody had scored it;
- `scoring`: the execution rate, the budget score, how cuts on one row combine, the grades.

Everything above (extract, checks, drafting, evaluation, batch, web, CLI) imports from here;
nothing here imports from them.
"""
