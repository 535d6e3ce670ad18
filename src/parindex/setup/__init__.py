"""Set-up by the people who run it: units, accounts and roles, appraiser assignments, lead
agencies, methodologies and cycles, on pages and as one Excel workbook.

Modules: `services` (one function per use case), `mail` (one-time links to set a password),
`workbook` (the Excel template: export, all-or-nothing import), `forms`, `views`, `urls`."""
