"""The domain layer: what a form is and the rules about it, importing nothing else of reviewer's.

Everything above (extract, checks, drafting, evaluation, batch, web, CLI) imports from here;
nothing here imports from them.
"""
