"""Results pages (one module each): the ranking of a cycle per stage, a unit's profile, the
ledger of lost points, the published national results (and their import) and the public
results pages.

Who reads what is asked of parindex.assessment.permissions (cycle_for_results,
results_access: whose ranking rows, whose ledger rows, which stages, the report); the
tables are computed by parindex.results.selectors and the files made by parindex.results
(exports, export_for_user); views only parse, call and render. Charts are drawn in the
browser by static/js/charts.js (Apache ECharts, vendored) from the JSON the views put in the
page with |json_script.

What a unit sees (officers, leaders, lead agencies of the unit, viewers of units below the
organiser) — the rule of permissions.results_access, applied the same way everywhere:
- before publication: its own rows only (its rank among the units of its type is shown,
  the other units are not); the unit profile compares it with the average and the best
  value without naming the best units;
- once the cycle is published: the whole ranking and the component indices of every unit;
- the ledger of lost points (appraisers' reasons and comments) and the per-item details of
  the exports: its own units only, also after publication; the organiser's side
  (managers, the council, admins) and the viewers above the organiser read every unit's
  (an appraiser assigned to one unit: that unit's);
- a stage's points, reasons and comments once the stage is shown to the reader
  (permissions and lifecycle): the organiser's side while it runs, the units after.

Modules: ranking, unit, ledger, national, public (pages), downloads (exports); what the
pages show is built in parindex.results.presenters.
"""
