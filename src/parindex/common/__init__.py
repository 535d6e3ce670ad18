"""Plumbing shared by every app: refused actions and import errors (`errors`), CSV reading
and formula-safe cells (`csvio`, `cells`, no Django), uploaded files' real type (`uploads`).

`csvio` and `cells` import neither Django nor other parindex packages, so the `parindex`
command line reads score files with the same rules as the web imports.
"""
