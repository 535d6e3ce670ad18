"""Use cases of the survey component. Each is one function called by the UI, tasks, the CLI
and tests alike; each checks the caller's rights, writes in one transaction and audits.

Survey points reach the unit's results through assessment's one write path for entries
(`external_changes` + `write_entries`: checked, versioned, audited like entry_set_external,
refused once the cycle is final), called by `survey_points_write` with the percentage of
each survey-scored leaf; the explanation (n, mean, interval, flag) is kept in SurveyScore.
"""

from __future__ import annotations

from .common import (
    CONFIG_FIELDS,
    AlreadySubmitted,
    FormInvalid,
    SurveyFileRefused,
    survey_config,
    survey_config_update,
    survey_design_set,
    survey_leaves,
)
from .demo import SAMPLE_RESPONSES, SAMPLE_YAML, demo_seed
from .double_entry import (
    batch_commit,
    batch_create,
    batch_upload,
    discrepancy_resolve,
)
from .imports import (
    check_bytes,
    check_stream,
    form_specs,
    import_job_create,
    import_job_run,
    import_job_start,
    import_job_validate,
    responses_import_path,
)
from .jobs import import_job_refresh, import_job_restart, import_jobs_recover
from .plan import (
    form_window,
    sample_plan_fill,
    sample_target_set,
    token_get,
    tokens_generate,
    web_answers_check,
    web_response_submit,
)
from .questionnaires import (
    cycle_questionnaires_yaml,
    forms_read,
    questionnaire_delete,
    questionnaire_install,
    questionnaire_to_def,
    questionnaire_xlsform,
    questionnaires_import,
    questionnaires_yaml,
)
from .scores import LeafResult, UnitSurvey, WriteSummary, survey_compute, survey_points_write

__all__ = [
    "CONFIG_FIELDS",
    "SAMPLE_RESPONSES",
    "SAMPLE_YAML",
    "AlreadySubmitted",
    "FormInvalid",
    "LeafResult",
    "SurveyFileRefused",
    "UnitSurvey",
    "WriteSummary",
    "batch_commit",
    "batch_create",
    "batch_upload",
    "check_bytes",
    "check_stream",
    "demo_seed",
    "discrepancy_resolve",
    "form_specs",
    "form_window",
    "forms_read",
    "import_job_create",
    "import_job_refresh",
    "import_job_restart",
    "import_jobs_recover",
    "import_job_run",
    "import_job_start",
    "import_job_validate",
    "questionnaire_delete",
    "questionnaire_install",
    "questionnaire_to_def",
    "questionnaire_xlsform",
    "questionnaires_import",
    "questionnaires_yaml",
    "cycle_questionnaires_yaml",
    "responses_import_path",
    "sample_plan_fill",
    "sample_target_set",
    "survey_compute",
    "survey_config",
    "survey_config_update",
    "survey_design_set",
    "survey_leaves",
    "survey_points_write",
    "token_get",
    "tokens_generate",
    "web_answers_check",
    "web_response_submit",
]
