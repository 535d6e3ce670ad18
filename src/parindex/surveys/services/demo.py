"""The demo hook: sample questionnaires, window and sample plan for a cycle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from parindex.assessment.models import Cycle

from ..definitions import (
    forms_from_yaml,
)
from ..models import (
    ImportJob,
)
from ..sample_data import LAOCAI_TARGETS
from .common import SAMPLES_DIR, survey_config_update, survey_leaves
from .imports import responses_import_path
from .plan import sample_plan_fill
from .questionnaires import questionnaire_install

SAMPLE_YAML = SAMPLES_DIR / "questionnaires.yaml"
SAMPLE_RESPONSES = SAMPLES_DIR / "responses-laocai.csv"


def demo_seed(cycle: Cycle, user: Any, *, responses: bool = False) -> dict[str, int]:
    """Install the sample questionnaires, a survey window and a sample plan in `cycle` (for
    the demo). Leaves the sample does not find in the cycle's methodology stay unmapped.
    With `responses`, also import the valid rows of the shipped sample response file."""
    forms = forms_from_yaml(SAMPLE_YAML.read_text(encoding="utf-8"), SAMPLE_YAML.name)
    leaves = {n.code for n in survey_leaves(cycle.methodology.tree)}
    installed = []
    with transaction.atomic():
        for form in forms:
            for qd in form.questions:
                if qd.leaf and qd.leaf not in leaves:
                    qd.leaf = ""
            installed.append(questionnaire_install(cycle=cycle, form=form, user=user))
        now = timezone.now()
        survey_config_update(
            cycle=cycle,
            user=user,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=90),
            min_respondents=15,
        )
        for q in installed:
            per_dept, per_commune = LAOCAI_TARGETS.get(q.group_code, (10, 10))
            sample_plan_fill(
                cycle=cycle, questionnaire=q, target=per_dept, unit_type="department", user=user
            )
            sample_plan_fill(
                cycle=cycle, questionnaire=q, target=per_commune, unit_type="commune", user=user
            )
    out = {"questionnaires": len(installed)}
    if responses:
        job = responses_import_path(
            cycle=cycle, path=SAMPLE_RESPONSES, user=user, mode=ImportJob.Mode.VALID_ONLY
        )
        out["responses"] = job.rows_imported
    return out
