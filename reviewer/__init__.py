"""reviewer: read, check and draft review comments on 项目支出绩效自评表.

Layers, bottom to top; a package imports only its own layer and those below it
(tests/test_layers.py holds the code to this, README "Layout" describes each):

    domain → extract → checks → support (llm, store, config …) → drafting → evaluation | batch | web → cli
"""

__version__ = "0.1.0"
