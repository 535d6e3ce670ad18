"""The target planner's pages (issue 10): the index a rank takes, the cheapest plan tasks to
reach it, what-if, forecast and rank robustness, over the pure engine parindex.planner."""
