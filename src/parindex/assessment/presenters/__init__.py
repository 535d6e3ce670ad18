"""What the assessment pages show, one module per views module (parindex.assessment.views)."""
