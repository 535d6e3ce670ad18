"""Errors, rights and the per-cycle survey settings shared by the survey services."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from parindex.assessment import lifecycle
from parindex.assessment.models import Cycle
from parindex.assessment.services import can_manage
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError
from parindex.core import Methodology
from parindex.core.model import SURVEY, Node

from ..models import (
    SurveyConfig,
)

logger = logging.getLogger(__name__)
State = Cycle.State
IMPORT_MAX_BYTES = getattr(settings, "SURVEY_IMPORT_MAX_BYTES", 300 * 1024 * 1024)
INSERT_BATCH = 20_000
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"


class SurveyFileRefused(ServiceError):
    """A file refused as a whole; `problems` says which rows and columns are wrong."""

    def __init__(self, message: str, problems: list[Any]) -> None:
        super().__init__(message)
        self.problems = problems


class AlreadySubmitted(ServiceError):
    pass


class FormInvalid(ServiceError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(_("Phiếu chưa hợp lệ: hãy xem các câu hỏi được đánh dấu."))
        self.errors = errors


def _require_manage(user: Any, cycle: Cycle) -> None:
    if not can_manage(user, cycle):
        raise ServiceError(_("Bạn không có quyền quản lý điều tra của kỳ đánh giá này."))


def _require_open(cycle: Cycle) -> None:
    if not lifecycle.of(cycle).organiser_edit:
        raise ServiceError(_("Kỳ đánh giá đã chốt kết quả: dữ liệu điều tra chỉ còn để xem."))


def survey_config(cycle: Cycle) -> SurveyConfig:
    """The cycle's survey settings (defaults, unsaved, when none were set)."""
    try:
        return cycle.survey_config
    except SurveyConfig.DoesNotExist:
        return SurveyConfig(cycle=cycle)


CONFIG_FIELDS = ("opens_at", "closes_at", "min_respondents", "sipas_method", "sipas_overall")


@transaction.atomic
def survey_config_update(*, cycle: Cycle, user: Any, **values: Any) -> SurveyConfig:
    _require_manage(user, cycle)
    unknown = set(values) - set(CONFIG_FIELDS)
    if unknown:
        raise ServiceError(_("Không có thiết lập “%(f)s”.") % {"f": ", ".join(sorted(unknown))})
    config = survey_config(cycle)
    old = {f: getattr(config, f) for f in CONFIG_FIELDS}
    for f, v in values.items():
        setattr(config, f, v)
    if config.opens_at and config.closes_at and config.closes_at < config.opens_at:
        raise ServiceError(_("Thời điểm đóng phiếu không được trước thời điểm mở phiếu."))
    if config.sipas_method not in SurveyConfig.SipasMethod.values:
        raise ServiceError(_("Cách tính tỷ lệ hài lòng không hợp lệ."))
    if config.sipas_overall not in SurveyConfig.SipasOverall.values:
        raise ServiceError(_("Cách tính chỉ số hài lòng chung không hợp lệ."))
    config.save()
    new = {f: getattr(config, f) for f in CONFIG_FIELDS}
    changed = {f: new[f] for f in CONFIG_FIELDS if new[f] != old[f]}
    if changed:
        log_action(
            "survey.config_updated",
            actor=user,
            target=config,
            cycle=cycle,
            old={f: old[f] for f in changed},
            new=changed,
        )
    return config


def survey_leaves(tree: Methodology) -> list[Node]:
    """The leaves scored by survey (method "survey")."""
    return [n for n in tree.leaves if n.method == SURVEY]


@transaction.atomic
def survey_design_set(*, cycle: Cycle, user: Any, design: Any, name: str = "design") -> Any:
    """Declare the cycle's survey design (the `design:` of a questionnaire file): SIPAS
    sub-index weights, respondent group weights, the design effect. All or nothing: any
    problem refuses the whole declaration. Audited with the old and new declarations."""
    from ..design import design_from_dict, design_to_dict

    _require_manage(user, cycle)
    parsed, problems = design_from_dict(design)
    if problems:
        raise SurveyFileRefused(
            _("Không đọc được thiết kế điều tra trong “%(n)s”: %(k)s lỗi.")
            % {"n": name, "k": len(problems)},
            problems,
        )
    config = survey_config(cycle)
    old = config.design
    config.design = design_to_dict(parsed)
    if config.design != old:
        config.save()
        log_action(
            "survey.design_set", actor=user, target=config, cycle=cycle, old=old, new=config.design
        )
    return parsed
