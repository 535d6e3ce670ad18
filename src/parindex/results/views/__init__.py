"""Results pages (one module each): the ranking of a cycle per stage, a unit's profile, the
ledger of lost points, the published national results (and their import) and the public
results pages.

Everything is read through parindex.results.selectors (cycle_for_results / results_scope
decide who sees what; parindex.assessment.selectors.stage_visible which stages) and the
files are made by parindex.results (exports, export_for_user); views only parse, call and
render. Charts are drawn in the browser by static/js/charts.js (Apache ECharts, vendored)
from the JSON the views put in the page with |json_script.

What a unit sees (officers, leaders, lead agencies of the unit, viewers of units below the
organiser) — the rule of results_scope, applied the same way on every page:
- before publication: its own rows only (its rank among the units of its type is shown,
  the other units are not); the unit profile compares it with the average and the best
  value without naming the best units;
- once the cycle is published: the whole ranking and the component indices of every unit;
- the ledger of lost points (appraisers' reasons and comments): its own units only, also
  after publication; the organiser's side (managers, the council, admins) and the viewers
  above the organiser read every unit's.

Modules: ranking, unit, ledger, national, public (pages), downloads (exports); what the
pages show is built in parindex.results.presenters.
"""
