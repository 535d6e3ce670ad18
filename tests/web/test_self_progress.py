"""The self-assessment form and its progress summary ask parindex.core the same question:
does this input say "not arising" (which needs no evidence)?"""

from __future__ import annotations

import pytest

from parindex.assessment import permissions as sel
from parindex.assessment import services
from parindex.assessment.presenters.self_assessment import form_state
from parindex.core import is_not_arising

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("word", ["KPS", "kps ", "N/A", "NA", "Không Phát Sinh", "khong phat sinh"])
def test_the_form_and_the_progress_summary_agree_on_not_arising(self_world, word):
    assert is_not_arising(word)
    p, officer = self_world["p"], self_world["officer"]
    for code, value in (("1.1.1", word), ("1.1.2", word), ("1.2.1", "có"), ("1.2.2", "0,5")):
        services.entry_save_self(
            participation=p, code=code, value=value, note="Không phát sinh trong năm", user=officer
        )
    st = form_state(p, sel.access(officer, p))
    rows = [row for kind, row in st.rows if kind == "leaf"]
    flagged = sorted(r.node.code for r in rows if r.lacking_evidence)
    na = sorted(r.node.code for r in rows if r.is_na)
    assert na == ["1.1.1", "1.1.2"]
    assert flagged == ["1.2.1", "1.2.2"]
    assert st.progress.scored == 4
    assert st.progress.lacking_evidence == len(flagged)
    # The home page and the cycle overview use the same summary.
    assert services.participation_progress(p).lacking_evidence == len(flagged)
