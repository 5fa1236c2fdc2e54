"""Evaluation harness: how well does reviewer agree with human reviewers?

dataset (human-reviewed forms → samples) → pipeline under test (sees blinded forms) →
scorers (per sample) → metrics (overall, per check, bootstrap intervals) beside
baselines and a human-vs-human ceiling → log (versioned JSON) and report (MD / HTML).
See eval/README.md.

Every record is typed: `FormSample`/`IndicatorSample` (dataset), `FormPrediction`
(harness), `ScoredForm`/`ScoredIndicator` (scorers), `EvalResult` (evaluate), `EvalLog`
(log). May import reviewer.domain, extract, checks, the support layer and drafting; never
the batch, the web workbench or the CLI.
"""
