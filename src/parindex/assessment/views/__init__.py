"""The assessment pages: cycle, self_assessment, evidence, appraisal, audit. What they show
is built in parindex.assessment.presenters."""
